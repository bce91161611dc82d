// Test support for fault tests: a Sync with git credentials, two revisions (the second keeps,
// changes, adds and removes an object), and checks that the cluster holds exactly one of them.
import { kubectl } from '@ferry/testenv';
import { expect } from 'vitest';
import { createSync, eventually, getSync, startTestAgent, type TestAgent } from '../../daemon/test/daemon-harness.js';
import type { AgentConfig } from '../../daemon/start-agent.js';
import type { KubeObject } from '../../plan/kube-object.js';
import type { SyncReport } from '../../reconcile/reconcile-sync.js';
import { decodeInventory } from '../../plan/inventory.js';
import { inventoryName } from '../../reconcile/inventory-store.js';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../../test/agent-harness.js';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface ObservedStatus {
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  inventorySize?: number;
  conditions?: Condition[];
}

export const statusOf = (sync: KubeObject | undefined): ObservedStatus => (sync?.status ?? {}) as ObservedStatus;
export const conditionOf = (status: ObservedStatus, type: string): Condition | undefined => status.conditions?.find((c) => c.type === type);

/** Revision A: keep, change (v1), remove. Revision B: keep, change (v2), add, plus `extra` files. */
export const revisionA = (): Record<string, string> => ({
  'app/keep.yaml': configMap('keep', { v: '1' }),
  'app/change.yaml': configMap('change', { v: '1' }),
  'app/remove.yaml': configMap('remove', { v: '1' }),
});
export const revisionB = (extra: Record<string, string> = {}): Record<string, string> => ({
  'app/keep.yaml': configMap('keep', { v: '1' }),
  'app/change.yaml': configMap('change', { v: '2' }),
  'app/add.yaml': configMap('add', { v: '1' }),
  ...extra,
});

export interface FaultScenario {
  ns: string;
  first: string;
  commit(files: Record<string, string>): Promise<string>;
  agent: TestAgent;
  /** Every reconcile's report, in order (the daemon's onReport). */
  reports: SyncReport[];
  status(): Promise<ObservedStatus>;
  stop(): Promise<void>;
}

/**
 * A namespace, a repository at revision A, a Secret with the git password, a Sync polling every
 * second, and an in-process agent that has applied A.
 */
export async function startFaultScenario(h: AgentHarness, kubeconfig: string, prefix: string, credentials: { username: string; password: string }, config: Partial<AgentConfig> = {}): Promise<FaultScenario> {
  const ns = uniqueName(prefix);
  await ensureNamespace(h, ns);
  const src = await createSource(h, ns, revisionA());
  await kubectl(kubeconfig, ['create', 'secret', 'generic', 'git-auth', '-n', ns, `--from-literal=username=${credentials.username}`, `--from-literal=password=${credentials.password}`]);
  // Opted in as git credentials for this git server only (docs/agent.md, secretRef).
  await kubectl(kubeconfig, ['label', 'secret', 'git-auth', '-n', ns, 'ferry.dev/git-credentials=true']);
  await kubectl(kubeconfig, ['annotate', 'secret', 'git-auth', '-n', ns, `ferry.dev/git-hosts=${new URL(src.url).host}`]);
  await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1s', timeout: '10s', secretRef: { name: 'git-auth' } });
  const reports: SyncReport[] = [];
  const agent = await startTestAgent(h, kubeconfig, ns, { schedule: { jitter: 0.1, backoffBaseMs: 200, backoffMaxMs: 1_000 }, ...config }, { onReport: (report) => reports.push(report) });
  const status = async () => statusOf(await getSync(h, ns, 'app'));
  await eventually('revision A applied', 30_000, async () => (await status()).lastAppliedRevision === src.first && conditionOf(await status(), 'Ready')?.status === 'True');
  return { ns, first: src.first, commit: src.commit, agent, reports, status, stop: async () => void (await agent.stop(10_000)) };
}

/** The live ConfigMaps of the app and the Sync's inventory, by name. */
export async function observeApp(h: AgentHarness, ns: string): Promise<{ objects: Record<string, string | undefined>; inventory: string[] }> {
  const objects: Record<string, string | undefined> = {};
  for (const name of ['keep', 'change', 'remove', 'add']) {
    const live = await getConfigMap(h, ns, name);
    objects[name] = live ? ((live.data ?? {}) as Record<string, string>)['v'] : undefined;
  }
  const inventory = await getConfigMap(h, ns, inventoryName({ namespace: ns, name: 'app' }));
  const refs = decodeInventory(((inventory?.data ?? {}) as Record<string, string>)['inventory'] ?? '');
  return { objects, inventory: refs.map((r) => `${r.kind}/${r.name}`).sort() };
}

/** Revision A is what the cluster holds: nothing of B applied, nothing pruned. */
export async function expectRevisionA(h: AgentHarness, ns: string): Promise<void> {
  expect(await observeApp(h, ns)).toEqual({
    objects: { keep: '1', change: '1', remove: '1', add: undefined },
    inventory: ['ConfigMap/change', 'ConfigMap/keep', 'ConfigMap/remove'],
  });
}

/** Revision B is what the cluster holds: `change` updated, `add` created, `remove` pruned. */
export async function expectRevisionB(h: AgentHarness, ns: string, extraInventory: string[] = []): Promise<void> {
  expect(await observeApp(h, ns)).toEqual({
    objects: { keep: '1', change: '2', remove: undefined, add: '1' },
    inventory: ['ConfigMap/add', 'ConfigMap/change', 'ConfigMap/keep', ...extraInventory].sort(),
  });
}
