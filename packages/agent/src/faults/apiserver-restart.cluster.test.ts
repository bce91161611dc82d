// The API server crashes while the agent applies 800 objects, and comes back (same port,
// certificates and etcd): the daemon in-process against a control plane of this test's own (the
// shared one must not go away under other tests), real `git http-backend`. The agent must report a
// transient failure, then converge to the full set without pruning anything Git still has.
import { startControlPlane, type ControlPlane } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, eventually, getSync, installCrd, startTestAgent } from '../daemon/test/daemon-harness.js';
import { ReconcileRequestAnnotation } from '../daemon/sync-daemon.js';
import { decodeInventory } from '../plan/inventory.js';
import type { KubeObject } from '../plan/kube-object.js';
import { inventoryName } from '../reconcile/inventory-store.js';
import type { SyncReport } from '../reconcile/reconcile-sync.js';
import { ownerSelector } from '../sync/labels.js';
import { configMap, createSource, ensureNamespace, getConfigMap, startAgentHarness, type AgentHarness } from '../test/agent-harness.js';
import { conditionOf, statusOf } from './test/fault-scenario.js';

let controlPlane: ControlPlane;
let h: AgentHarness;
beforeAll(async () => {
  // No controller manager: the agent needs none, and the restart is quicker without it.
  controlPlane = await startControlPlane({ controllerManager: false });
  h = await startAgentHarness(controlPlane.kubeconfigPath);
  await installCrd(controlPlane.kubeconfigPath);
});
afterAll(async () => {
  await h?.close();
  await controlPlane?.stop();
});

const name = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}`;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
function objects(prefix: string, indices: Iterable<number>): Record<string, string> {
  const files: Record<string, string> = {};
  for (const i of indices) files[`app/${name(prefix, i)}.yaml`] = configMap(name(prefix, i), { index: String(i) });
  return files;
}

describe('API server restarted during an apply', () => {
  it('800 objects: the outage is reported as a transient failure, the next reconcile converges to the full set, only the object removed from Git is pruned, the watch recovers', async () => {
    const ns = 'apiserver-restart';
    const identity = { namespace: ns, name: 'bulk' };
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, objects('base', range(0, 20)));
    await createSync(controlPlane.kubeconfigPath, ns, 'bulk', { url: src.url, path: 'app', interval: '1h', timeout: '30s' });
    const reports: SyncReport[] = [];
    const agent = await startTestAgent(h, controlPlane.kubeconfigPath, ns, {}, { onReport: (report) => reports.push(report) });
    const live = async (): Promise<Map<string, KubeObject>> => {
      const list = await h.kube.list('v1', 'ConfigMap', { namespace: ns, labelSelector: ownerSelector(identity) });
      return new Map(list.map((o) => [o.metadata.name, o]));
    };
    const status = async () => statusOf(await getSync(h, ns, 'bulk'));
    const appliedAt = (revision: string) => eventually(`revision ${revision.slice(0, 8)} applied and Ready`, 60_000, async () => {
      const s = await status();
      return s.lastAppliedRevision === revision && conditionOf(s, 'Ready')?.status === 'True' ? s : undefined;
    });
    try {
      await appliedAt(src.first);
      const base = await live();
      expect(base.size).toBe(20);

      // Revision B drops base-0000 and adds 800 objects.
      const wanted = [...range(1, 20).map((i) => name('base', i)), ...range(0, 800).map((i) => name('bulk', i))].sort();
      const second = await src.commit({ ...objects('base', range(1, 20)), ...objects('bulk', range(0, 800)) });
      await h.kube.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace: ns, name: 'bulk' }, { metadata: { annotations: { [ReconcileRequestAnnotation]: 'b' } } });
      await eventually('some of the 800 applied', 60_000, async () => [...(await live()).keys()].filter((n) => n.startsWith('bulk-')).length >= 100);
      const before = await live();
      const reportsBefore = reports.length;
      await controlPlane.stopApiServer({ graceMs: 0 });
      // The agent notices: its reconcile ends as a transient failure (it cannot even write status).
      const outage = await eventually('a failed reconcile during the outage', 60_000, async () => reports.slice(reportsBefore).find((r) => r.outcome !== 'Applied' && r.outcome !== 'Unchanged'));
      expect(outage).toMatchObject({ outcome: 'Failed', reason: 'ApiUnavailable', statusWritten: false });
      expect(outage.message).toMatch(/cannot reach the Kubernetes API|ServiceUnavailable|HTTP 503/);
      expect(outage.message).toContain('(status not written');
      expect(outage.prune.deleted).toEqual([]);
      await controlPlane.startApiServer();

      const converged = await appliedAt(second);
      expect(converged).toMatchObject({ lastAttemptedRevision: second, inventorySize: 819 });
      expect(conditionOf(converged, 'Ready')).toMatchObject({ reason: 'ReconciliationSucceeded', message: expect.stringContaining('1 pruned') });
      expect(conditionOf(converged, 'Reconciling')).toBeUndefined();
      const after = await live();
      expect([...after.keys()].sort()).toEqual(wanted);
      for (const [key, object] of after) expect(object.data).toEqual({ index: String(Number(key.slice(-4))) });
      // Nothing Git still has was deleted and recreated: the objects from before the crash kept their uid.
      for (const [key, object] of before) if (key !== 'base-0000') expect(after.get(key)?.metadata.uid).toBe(object.metadata.uid);
      // Across every reconcile, the only delete was the object removed from Git.
      expect(reports.flatMap((r) => r.prune.deleted.map((ref) => ref.name))).toEqual(['base-0000']);
      const inventory = await getConfigMap(h, ns, inventoryName(identity));
      expect(decodeInventory(((inventory?.data ?? {}) as Record<string, string>)['inventory'] ?? '').map((r) => r.name).sort()).toEqual(wanted);
      expect(base.get('base-0001')?.metadata.uid).toBe(after.get('base-0001')?.metadata.uid);

      // The daemon's watch came back with the server: a reconcile request (interval is 1 h) is seen.
      const third = await src.commit({ ...objects('base', range(1, 20)), ...objects('bulk', range(0, 799)) });
      await h.kube.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace: ns, name: 'bulk' }, { metadata: { annotations: { [ReconcileRequestAnnotation]: 'c' } } });
      expect(await appliedAt(third)).toMatchObject({ inventorySize: 818 });
      expect(await getConfigMap(h, ns, 'bulk-0799')).toBeUndefined();
    } finally {
      await agent.stop(10_000);
    }
  }, 180_000);
});
