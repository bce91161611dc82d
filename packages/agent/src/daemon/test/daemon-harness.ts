// Test support for daemon cluster tests: the Sync CRD, Sync objects, polling with a deadline, and an
// agent started in-process against the real API server.
import { expectNoSecrets, kubectl, waitForCrd } from '@ferry/testenv';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, inject } from 'vitest';
import type { KubeObject } from '../../plan/kube-object.js';
import { startAgentHarness, type AgentHarness } from '../../test/agent-harness.js';
import { startAgent, type AgentConfig, type AgentOverrides, type RunningAgent } from '../start-agent.js';

export const crdDir = fileURLToPath(new URL('../../../crds/', import.meta.url));

export async function installCrd(kubeconfig: string): Promise<void> {
  await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', crdDir]);
  await waitForCrd(kubeconfig, 'syncs.ferry.dev');
}

/** The run's control plane (from the cluster project's global setup), a harness on it, the Sync CRD. */
export async function startDaemonCluster(): Promise<{ h: AgentHarness; kubeconfig: string }> {
  const kubeconfig = inject('kubeconfigPath');
  const h = await startAgentHarness(kubeconfig);
  await installCrd(kubeconfig);
  return { h, kubeconfig };
}

/**
 * For a test file: the run's control plane and a harness on it (startDaemonCluster) before its
 * tests, handed to `use`, and the harness closed after them.
 */
export function useDaemonCluster(use: (cluster: { h: AgentHarness; kubeconfig: string }) => void): void {
  let h: AgentHarness | undefined;
  beforeAll(async () => {
    const cluster = await startDaemonCluster();
    h = cluster.h;
    use(cluster);
  });
  afterAll(async () => {
    await h?.close();
  });
}

export async function createSync(kubeconfig: string, namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager=test', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name, namespace }, spec }),
  });
}

export async function getSync(h: AgentHarness, namespace: string, name: string): Promise<KubeObject | undefined> {
  return h.kube.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace, name });
}

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function readyRevision(sync: KubeObject | undefined): string | undefined {
  const status = sync?.status as { lastAppliedRevision?: string; conditions?: Array<{ type: string; status: string }> } | undefined;
  return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? status.lastAppliedRevision : undefined;
}

export interface TestAgent extends RunningAgent {
  logs: string[];
}

export async function startTestAgent(h: AgentHarness, kubeconfig: string, namespace: string, config: Partial<AgentConfig> = {}, overrides: AgentOverrides = {}): Promise<TestAgent> {
  const logs: string[] = [];
  const agent = await startAgent({
    kube: { kubeconfigPath: kubeconfig },
    namespace,
    identity: `agent-${Math.random().toString(36).slice(2, 8)}`,
    cacheDir: `${h.tmp}/agent-cache-${Math.random().toString(36).slice(2, 8)}`,
    tmpDir: h.tmp,
    tools: h.tools,
    concurrency: 8,
    maxConcurrent: 2,
    healthTimeoutMs: 5_000,
    schedule: { jitter: 0.1, backoffBaseMs: 200, backoffMaxMs: 2_000 },
    writeLog: (line) => logs.push(line),
    logLevel: 'debug',
    ...config,
  }, overrides);
  // Every daemon test scans what its agent logged when it stops: no credential may reach a log line.
  const stop = agent.stop.bind(agent);
  return Object.assign(agent, {
    logs,
    async stop(graceMs: number) {
      const result = await stop(graceMs);
      expectNoSecrets(logs.join('\n'), 'agent logs');
      return result;
    },
  });
}
