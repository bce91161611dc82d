// The reconcile against plain objects: the ports (ports.ts) are all it needs, so each step's
// effect can be checked without a cluster or a git server (the cluster tests cover the real ones).
import { describe, expect, it } from 'vitest';
import { formatObjectKey, toObjectRef, type KubeObject, type ObjectRef } from '../plan/kube-object.js';
import { KubeApiError, type GitSource, type KubeApi, type Renderer } from '../ports.js';
import { parseSyncSpec } from '../sync/sync-spec.js';
import { inventoryName, loadSyncState } from './inventory-store.js';
import { reconcileSteps, reconcileSync, type ReconcileDeps, type SyncTarget } from './reconcile-sync.js';

const head = 'c'.repeat(40);
const identity = { name: 'app', namespace: 'ns', kind: 'flags' as const };
const inventoryKey = formatObjectKey({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: inventoryName(identity) });

function configMap(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { k: name } };
}

/** An API server in a Map: apply creates or replaces, `failWrite` names an object whose write fails. */
function memoryKube(failWrite?: string) {
  const objects = new Map<string, KubeObject>();
  const writes: string[] = [];
  let version = 0;
  const kube: KubeApi = {
    scopeOf: async (_apiVersion, kind) => (kind === 'Namespace' ? 'Cluster' : 'Namespaced'),
    apply: async (object, options) => {
      const key = formatObjectKey(toObjectRef(object));
      const live = objects.get(key);
      const result = { ...object, metadata: { ...object.metadata, ...(live ? { resourceVersion: live.metadata.resourceVersion } : {}) } };
      if (options?.dryRun) return result;
      if (object.metadata.name === failWrite) throw new KubeApiError('kube.unavailable', 'the API server went away', 503, 'ServiceUnavailable');
      const stored = { ...result, metadata: { ...result.metadata, resourceVersion: String(++version) } };
      objects.set(key, stored);
      writes.push(key);
      return stored;
    },
    get: async (ref: ObjectRef) => objects.get(formatObjectKey(ref)),
    list: async (apiVersion, kind, options) => [...objects.values()].filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!options?.namespace || o.metadata.namespace === options.namespace)),
    delete: async (ref) => objects.delete(formatObjectKey(ref)),
    mergePatch: async (ref) => objects.get(formatObjectKey(ref)) as KubeObject,
    forgetDiscovery: () => undefined,
  };
  return { kube, objects, writes };
}

function deps(kube: KubeApi, rendered: KubeObject[], calls: string[] = []): ReconcileDeps {
  const source: GitSource = {
    resolveRemote: async () => (calls.push('resolve'), head),
    fetchCommit: async () => void calls.push('fetch'),
    readFiles: async () => [],
    readCommit: async () => '',
  };
  const renderer: Renderer = { render: async () => (calls.push('render'), { mode: 'plain', objects: rendered.map((object) => ({ object, source: { file: 'app/x.yaml', line: 1 } })) }) };
  return { kube, source, renderer, tools: {}, tmpDir: '/nonexistent' };
}

const target = (spec: Record<string, unknown> = {}): SyncTarget => ({ identity, fromObject: false, spec: parseSyncSpec({ url: 'https://git.example/acme/config.git', path: 'app', ...spec }, 'test') });

describe('reconcileSync with plain-object ports', () => {
  it('runs the steps in order: fetch, verify, render, plan, apply, prune, health, record', () => {
    expect(reconcileSteps.map(([name]) => name)).toEqual(['fetch', 'verify', 'render', 'plan', 'apply', 'prune', 'health', 'record']);
  });

  it('applies, then records the inventory as healthy; a second run of the same head stops after fetch', async () => {
    const { kube, writes } = memoryKube();
    const calls: string[] = [];
    const first = await reconcileSync(target(), deps(kube, [configMap('a'), configMap('b')], calls), { healthTimeoutMs: 1_000 });
    expect(first).toMatchObject({ outcome: 'Applied', reason: 'ReconciliationSucceeded', revision: head, inventorySize: 2 });
    expect((await loadSyncState(kube, identity)).inventory.map((r) => r.name).sort()).toEqual(['a', 'b']);
    expect((await loadSyncState(kube, identity)).healthy).toBe(true);
    // Write-ahead (a, b named, not healthy), the objects, then the record (healthy).
    expect(writes.filter((w) => w === inventoryKey)).toHaveLength(2);

    calls.length = 0;
    const second = await reconcileSync(target(), deps(kube, [configMap('a'), configMap('b')], calls));
    expect(second).toMatchObject({ outcome: 'Unchanged', inventorySize: 2 });
    expect(calls).toEqual(['resolve']);
  });

  it('a write that fails leaves every object written or about to be in the inventory, and is transient', async () => {
    const { kube } = memoryKube('b');
    const report = await reconcileSync(target(), deps(kube, [configMap('a'), configMap('b')]), { healthTimeoutMs: 1_000 });
    expect(report).toMatchObject({ outcome: 'Failed', reason: 'ApiUnavailable', error: { code: 'kube.unavailable' } });
    const state = await loadSyncState(kube, identity);
    expect(state.inventory.map((r) => r.name).sort()).toEqual(['a', 'b']);
    expect(state.healthy).toBe(false);
  });

  it('a dry run writes nothing', async () => {
    const { kube, writes } = memoryKube();
    const report = await reconcileSync(target(), deps(kube, [configMap('a')]), { dryRun: true });
    expect(report).toMatchObject({ outcome: 'Applied', reason: 'Progressing', changes: [{ action: 'create' }] });
    expect(writes).toEqual([]);
  });

  it('a suspended Sync calls no port', async () => {
    const calls: string[] = [];
    const { kube, writes } = memoryKube();
    const report = await reconcileSync(target({ suspend: true }), deps(kube, [configMap('a')], calls));
    expect(report).toMatchObject({ outcome: 'Suspended', reason: 'Suspended' });
    expect([...calls, ...writes]).toEqual([]);
  });
});
