import { isPackDownload, isRefListing, kubectl, type RequestLogEntry } from '@ferry/testenv';
import { describe, expect, it } from 'vitest';
import { configMap, createSource, ensureNamespace, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, eventually, getSync, readyRevision, useDaemonCluster, startTestAgent } from './test/daemon-harness.js';

// Many Syncs of one repository in one agent (issue 14): they share one ref listing per interval and
// one pack download per new commit. The daemon in-process against the run's kube-apiserver and the
// real git http-backend, whose request log counts what the agent asked.
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const syncs = 6;
const files = (v: string) => Object.fromEntries(Array.from({ length: syncs }, (_, i) => [`app-${i}/cm.yaml`, configMap(`cm-${i}`, { v })]));

async function fleet(interval: string) {
  const ns = uniqueName('fleet');
  await ensureNamespace(h, ns);
  const src = await createSource(h, ns, files('1'));
  const repo = `acme/${ns}`;
  const requests = () => h.git.requests.filter((r) => r.repo === repo);
  for (let i = 0; i < syncs; i++) await createSync(kubeconfig, ns, `s${i}`, { url: src.url, path: `app-${i}`, interval, timeout: '10s' });
  const converged = (revision: string) => eventually(`all ${syncs} Syncs at ${revision.slice(0, 8)}`, 30_000, async () => {
    for (let i = 0; i < syncs; i++) if (readyRevision(await getSync(h, ns, `s${i}`)) !== revision) return false;
    return true;
  });
  return { ns, src, requests, converged };
}

const listings = (rs: RequestLogEntry[]) => rs.filter(isRefListing).length;
const downloads = (rs: RequestLogEntry[]) => rs.filter(isPackDownload).length;

describe('many Syncs of one repository in one agent', () => {
  it('idle: one ref listing per interval for all of them and no pack download; a push: one download, every Sync converges', async () => {
    const { ns, src, requests, converged } = await fleet('3s');
    const agent = await startTestAgent(h, kubeconfig, ns, { maxConcurrent: syncs });
    try {
      await converged(src.first);
      // Idle: every Sync runs its drift check at least three more times (three intervals or more).
      const reconciles = (i: number) => agent.metrics.reconciles.get({ namespace: ns, name: `s${i}`, outcome: 'Applied' });
      const seen = Array.from({ length: syncs }, (_, i) => reconciles(i));
      const before = requests().length;
      const started = Date.now();
      await eventually('three idle intervals of every Sync', 30_000, async () => seen.every((n, i) => reconciles(i) >= n + 3));
      const idle = requests().slice(before);
      const intervals = (Date.now() - started) / 3_000;
      expect(downloads(idle)).toBe(0);
      // One listing per interval at most (each starts at least one interval after the last), and
      // some: the agent still polls. Per Sync on its own it would be 6 per interval or more.
      expect(listings(idle)).toBeGreaterThanOrEqual(2);
      expect(listings(idle)).toBeLessThanOrEqual(Math.floor(intervals) + 1);
      expect(idle.length).toBe(listings(idle));

      // A push: seen at the next listing; one pack download serves every Sync.
      const pushedAt = requests().length;
      const second = await src.commit(files('2'));
      await converged(second);
      expect(downloads(requests().slice(pushedAt))).toBe(1);
    } finally {
      await agent.stop(5_000);
    }
  });

  it('a reconcile request (webhook) is answered from a listing newer than the request, though the shared one is fresh for an hour', async () => {
    const { ns, src, requests, converged } = await fleet('1h');
    const agent = await startTestAgent(h, kubeconfig, ns, { maxConcurrent: syncs });
    try {
      await converged(src.first);
      // One listing for every Sync, one of the first download (protocol v2 finds the branch itself).
      expect(listings(requests())).toBeLessThanOrEqual(2);
      expect(downloads(requests())).toBe(1);
      const second = await src.commit(files('2'));
      // As the webhook listener does: the request annotation on each Sync of the repository.
      await kubectl(kubeconfig, ['annotate', 'syncs.ferry.dev', '--all', '-n', ns, '--overwrite', 'ferry.dev/reconcile-requested-at=push-1']);
      await converged(second);
    } finally {
      await agent.stop(5_000);
    }
  });
});
