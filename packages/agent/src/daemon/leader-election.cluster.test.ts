import { describe, expect, it } from 'vitest';
import { configMap, createSource, ensureNamespace, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, useDaemonCluster, eventually, getSync, readyRevision, startTestAgent, type TestAgent } from './test/daemon-harness.js';
import { killableWatch, killableKube } from './test/killable.js';

// Two agents against the real kube-apiserver, one Lease: one writes, the other takes over when the
// first stops (released Lease: at once) or dies (held Lease: after the lease duration).
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const leaseMs = 3_000;

async function lease(ns: string): Promise<{ holderIdentity?: string; leaseTransitions?: number }> {
  const object = await h.kube.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: ns, name: 'ferry-agent' });
  return (object?.spec ?? {}) as { holderIdentity?: string };
}

describe('leader election on a Lease', () => {
  it('one leader writes; a standby takes over on release at once, and on death within the lease time', async () => {
    const ns = uniqueName('leader');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }) });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1s' });
    const reconciled = new Map<string, number>();
    const count = (name: string) => () => void reconciled.set(name, (reconciled.get(name) ?? 0) + 1);
    const election = { namespace: ns, name: 'ferry-agent', leaseDurationMs: leaseMs, renewDeadlineMs: 2_000, retryPeriodMs: 250 };
    let doomedKube!: ReturnType<typeof killableKube>;
    let doomedWatch!: ReturnType<typeof killableWatch>;
    const agents: TestAgent[] = [];
    const start = async (name: string, killable = false) => {
      const agent = await startTestAgent(h, kubeconfig, ns, { identity: name, leaderElection: election }, {
        onReport: count(name),
        ...(killable ? { kube: (real) => (doomedKube = killableKube(real)), watchKube: (real) => (doomedWatch = killableWatch(real)) } : {}),
      });
      agents.push(agent);
      return agent;
    };
    try {
      const first = await start('first');
      await eventually('first leads', 10_000, async () => first.daemon.isLeader);
      const second = await start('second');
      await eventually('first applied', 15_000, async () => readyRevision(await getSync(h, ns, 'app')) === src.first);
      // Several intervals pass: only the leader reconciles.
      await eventually('leader reconciles repeatedly', 15_000, async () => (reconciled.get('first') ?? 0) >= 3);
      expect(second.daemon.isLeader).toBe(false);
      expect(reconciled.get('second') ?? 0).toBe(0);
      expect((await lease(ns)).holderIdentity).toBe('first');

      // Graceful stop releases the Lease: the standby takes over well before a lease duration.
      const stopped = Date.now();
      await first.stop(5_000);
      agents.splice(agents.indexOf(first), 1);
      await eventually('second leads', leaseMs, async () => second.daemon.isLeader);
      expect(Date.now() - stopped).toBeLessThan(leaseMs);
      const commit = await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }) });
      await eventually('second applies', 15_000, async () => readyRevision(await getSync(h, ns, 'app')) === commit);

      // A third replica that dies holding the Lease: second waits, then takes over.
      const third = await start('third', true);
      await second.stop(5_000);
      agents.splice(agents.indexOf(second), 1);
      await eventually('third leads', 10_000, async () => third.daemon.isLeader);
      const fourth = await start('fourth');
      doomedKube.kill();
      doomedWatch.kill();
      const died = Date.now();
      await eventually('fourth leads', leaseMs + 5_000, async () => fourth.daemon.isLeader);
      // Lease duration measured from the last renewal fourth saw, plus one retry period.
      expect(Date.now() - died).toBeGreaterThanOrEqual(leaseMs - 1_000);
      expect((await lease(ns)).holderIdentity).toBe('fourth');
      const next = await src.commit({ 'app/a.yaml': configMap('a', { v: '3' }) });
      await eventually('fourth applies', 15_000, async () => readyRevision(await getSync(h, ns, 'app')) === next);
      await third.stop(0);
      agents.splice(agents.indexOf(third), 1);
    } finally {
      await Promise.all(agents.map((a) => a.stop(2_000)));
    }
  });
});
