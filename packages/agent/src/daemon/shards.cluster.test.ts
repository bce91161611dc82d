import { kubectl } from '@ferry/testenv';
import { describe, expect, it } from 'vitest';
import { configMap, createSource, ensureNamespace, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { eventually, getSync, readyRevision, useDaemonCluster, startTestAgent, type TestAgent } from './test/daemon-harness.js';

// Beyond one agent (issue 14): `--sync-selector` splits a cluster's Syncs between agents, each
// shard with a Lease of its own. Two agents in-process, both leading at once, against the run's
// kube-apiserver and a real git http-backend.
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

async function labelledSync(ns: string, name: string, shard: string | undefined, spec: Record<string, unknown>): Promise<void> {
  const labels = shard ? { 'ferry.dev/shard': shard } : {};
  await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager=test', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name, namespace: ns, labels }, spec }),
  });
}

/** The Syncs an agent reconciled, from its log lines (every reconcile logs its report with `sync`). */
function reconciled(agent: TestAgent): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of agent.logs) {
    const entry = JSON.parse(line) as { sync?: string; outcome?: string };
    if (entry.sync && entry.outcome) counts.set(entry.sync, (counts.get(entry.sync) ?? 0) + 1);
  }
  return counts;
}

describe('shards: --sync-selector', () => {
  it('two agents with different selectors: each Sync is reconciled by exactly one of them, a relabelled Sync moves', async () => {
    const ns = uniqueName('shards');
    await ensureNamespace(h, ns);
    const names = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'none'];
    const files = Object.fromEntries(names.map((n) => [`${n}/cm.yaml`, configMap(`cm-${n}`, { v: '1' })]));
    const src = await createSource(h, ns, files);
    for (const n of names) await labelledSync(ns, n, n === 'none' ? undefined : n[0], { url: src.url, path: n, interval: '2s', timeout: '10s' });
    const lease = (name: string) => ({ namespace: ns, name, leaseDurationMs: 6_000, renewDeadlineMs: 5_000, retryPeriodMs: 1_000 });
    const a = await startTestAgent(h, kubeconfig, ns, { syncSelector: 'ferry.dev/shard=a', leaderElection: lease('ferry-agent-shard-a') });
    const b = await startTestAgent(h, kubeconfig, ns, { syncSelector: 'ferry.dev/shard in (b)', leaderElection: lease('ferry-agent-shard-b') });
    try {
      // Both lead at once (a Lease each) and together converge every labelled Sync.
      for (const n of names.filter((x) => x !== 'none')) {
        await eventually(`${n} applied`, 30_000, async () => readyRevision(await getSync(h, ns, n)) === src.first);
      }
      expect(a.daemon.isLeader && b.daemon.isLeader).toBe(true);
      const key = (n: string) => `${ns}/${n}`;
      // Every Sync twice more at least, so a wrong shard would have had its chance to reconcile it.
      await eventually('two more rounds', 20_000, async () => ['a1', 'a2', 'a3'].every((n) => (reconciled(a).get(key(n)) ?? 0) >= 3) && ['b1', 'b2', 'b3'].every((n) => (reconciled(b).get(key(n)) ?? 0) >= 3));
      expect([...reconciled(a).keys()].sort()).toEqual(['a1', 'a2', 'a3'].map(key));
      expect([...reconciled(b).keys()].sort()).toEqual(['b1', 'b2', 'b3'].map(key));
      // The Sync no selector picks is left alone: no status, no objects.
      expect((await getSync(h, ns, 'none'))?.status).toBeUndefined();

      // Relabelled to shard b: leaves a's watch (DELETED), enters b's, and b reconciles it from then on.
      await kubectl(kubeconfig, ['label', 'syncs.ferry.dev', 'a3', '-n', ns, '--overwrite', 'ferry.dev/shard=b']);
      await eventually('b takes a3 over', 20_000, async () => (reconciled(b).get(key('a3')) ?? 0) >= 2);
      const byA = reconciled(a).get(key('a3')) ?? 0;
      await eventually('b reconciles a3 twice more', 20_000, async () => (reconciled(b).get(key('a3')) ?? 0) >= 4);
      expect(reconciled(a).get(key('a3'))).toBe(byA);
    } finally {
      await Promise.all([a.stop(5_000), b.stop(5_000)]);
    }
  });
});
