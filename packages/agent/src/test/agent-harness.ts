// Test support for cluster tests: a real git server, a real API server (the run's shared control
// plane), and a reconcile wired to both, like the app does.
import { startGitServer, type GitServer, type GitServerOptions } from '@ferry/testenv';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsomorphicGitSource } from '../adapters/git-source.js';
import { KubeClient } from '../adapters/kube-client.js';
import { renderSource } from '../adapters/renderers/render-source.js';
import type { KubeObject } from '../plan/kube-object.js';
import { reconcileSync, type ReconcileOptions, type SyncReport, type SyncTarget } from '../reconcile/reconcile-sync.js';
import { parseSyncSpec, type SyncSpecInput } from '../sync/sync-spec.js';
import { commitTree } from './git-fixture.js';

export interface AgentHarness {
  git: GitServer;
  kube: KubeClient;
  source: IsomorphicGitSource;
  tmp: string;
  tools: { kubectl?: string; helm?: string };
  close(): Promise<void>;
}

export async function startAgentHarness(kubeconfigPath: string, tools: { kubectl?: string; helm?: string } = {}, gitOptions: GitServerOptions = {}): Promise<AgentHarness> {
  const git = await startGitServer(gitOptions);
  const tmp = await mkdtemp(join(tmpdir(), 'ferry-agent-test-'));
  const kube = await KubeClient.create({ kubeconfigPath });
  const source = new IsomorphicGitSource({ cacheDir: join(tmp, 'git') });
  return {
    git, kube, source, tmp, tools,
    async close() {
      kube.close();
      await git.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A unique, DNS-safe name per test so tests can share one control plane. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`.toLowerCase();
}

/** A source repository for one test and a function to replace its tree with a new commit. */
export async function createSource(h: AgentHarness, name: string, files: Record<string, string>) {
  const repo = await h.git.createRepo(`acme/${name}`);
  const commit = async (next: Record<string, string>) => commitTree(repo.path, next);
  const first = await commit(files);
  return { url: repo.url, path: repo.path, first, commit };
}

/** A flag-mode target: no Sync object; state in the inventory ConfigMap of `namespace`. */
export function flagTarget(name: string, namespace: string, spec: SyncSpecInput): SyncTarget {
  return { identity: { name, namespace, kind: 'flags' }, spec: parseSyncSpec(spec, 'test'), fromObject: false };
}

export function runSync(h: AgentHarness, target: SyncTarget, options: ReconcileOptions = {}): Promise<SyncReport> {
  return reconcileSync(target, { kube: h.kube, source: h.source, renderer: { render: renderSource }, tools: h.tools, tmpDir: h.tmp }, { healthTimeoutMs: 5_000, ...options });
}

export async function ensureNamespace(h: AgentHarness, name: string): Promise<void> {
  await h.kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export function configMap(name: string, data: Record<string, string>, extra: { namespace?: string; annotations?: Record<string, string>; immutable?: boolean } = {}): string {
  const object: KubeObject = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, ...(extra.namespace ? { namespace: extra.namespace } : {}), ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    ...(extra.immutable ? { immutable: true } : {}),
    data,
  };
  return JSON.stringify(object) + '\n';
}

export async function getConfigMap(h: AgentHarness, namespace: string, name: string): Promise<KubeObject | undefined> {
  return h.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });
}
