import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../plan/kube-object.js';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { SyncFinalizer } from './finalize-sync.js';
import { createSync, eventually, getSync, useDaemonCluster, startTestAgent } from './test/daemon-harness.js';

// Deleting a Sync (the finalizer ferry.dev/finalizer), on the run's real kube-apiserver.
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const claim = (name: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
}) + '\n';
const syncRef = (namespace: string, name: string) => ({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace, name });
const appliedRevision = (sync: KubeObject | undefined) => (sync?.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision;

async function eventsOf(namespace: string, sync: string): Promise<Array<{ reason: string; message: string; type: string }>> {
  const events = await h.kube.list('v1', 'Event', { namespace });
  return events.filter((e) => (e['involvedObject'] as { name?: string }).name === sync).map((e) => e as unknown as { reason: string; message: string; type: string });
}

describe('deleting a Sync', () => {
  it('with spec.prune: true deletes its objects (prune guards apply), then the Sync goes', async () => {
    const ns = uniqueName('finalize');
    await ensureNamespace(h, ns);
    // Existed before the Sync: adopted, so released rather than deleted.
    await h.kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre', namespace: ns }, data: { v: 'by hand' } });
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }), 'app/pre.yaml': configMap('pre', { v: '1' }), 'app/data.yaml': claim('data') });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1h', timeout: '1s' });
    const agent = await startTestAgent(h, kubeconfig, ns);
    try {
      await eventually('applied', 20_000, async () => appliedRevision(await getSync(h, ns, 'app')) === src.first);
      expect((await getSync(h, ns, 'app'))?.metadata['finalizers']).toContain(SyncFinalizer);
      expect(await getConfigMap(h, ns, 'a')).toBeDefined();

      await h.kube.delete(syncRef(ns, 'app'));
      await eventually('the Sync is gone', 20_000, async () => (await getSync(h, ns, 'app')) === undefined);
      expect(await getConfigMap(h, ns, 'a')).toBeUndefined();
      // Data-losing delete kept; adopted object released (still there, no owner labels).
      expect(await h.kube.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: 'data' })).toBeDefined();
      const pre = await getConfigMap(h, ns, 'pre');
      expect(pre).toBeDefined();
      expect(pre?.metadata.labels?.['ferry.dev/sync-name']).toBeUndefined();
      expect(await getConfigMap(h, ns, 'ferry-inventory-app')).toBeUndefined();
      const event = await eventually('an Event', 10_000, async () => (await eventsOf(ns, 'app')).find((e) => e.reason === 'Pruned'));
      expect(event.message).toMatch(/pruned 1 object\(s\), left 2: /);
      expect(event.message).toContain('PersistentVolumeClaim');
    } finally {
      await agent.stop(5_000);
    }
  });

  it('with spec.prune: false leaves its objects and says so in an Event', async () => {
    const ns = uniqueName('orphan');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }) });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1h', prune: false });
    const agent = await startTestAgent(h, kubeconfig, ns);
    try {
      await eventually('applied', 20_000, async () => appliedRevision(await getSync(h, ns, 'app')) === src.first);
      await eventually('finalizer added', 10_000, async () => ((await getSync(h, ns, 'app'))?.metadata['finalizers'] as string[] | undefined)?.includes(SyncFinalizer));
      await h.kube.delete(syncRef(ns, 'app'));
      await eventually('the Sync is gone', 20_000, async () => (await getSync(h, ns, 'app')) === undefined);
      expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '1' });
      const event = await eventually('an Event', 10_000, async () => (await eventsOf(ns, 'app')).find((e) => e.reason === 'ObjectsLeft'));
      expect(event.message).toContain('spec.prune is false');
      expect(event.message).toContain(`ConfigMap ${ns}/a`);
    } finally {
      await agent.stop(5_000);
    }
  });
});
