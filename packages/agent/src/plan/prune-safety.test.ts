import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { decideOwnership, ownershipConflictError, withOwnershipMarks } from './plan-ownership.js';
import { decidePrune, describeDataLoss, protectedNamespaces, releasePatch } from './plan-prune.js';
import { selectSearchKinds } from './search-kinds.js';

const sync = { name: 'shop', namespace: 'team-a' };
const owned = { 'ferry.dev/sync-name': 'shop', 'ferry.dev/sync-namespace': 'team-a' };
const ref = (kind: string, name: string, namespace = '', apiVersion = 'v1'): ObjectRef => ({ apiVersion, kind, namespace, name });
const live = (r: ObjectRef, labels?: Record<string, string>, annotations?: Record<string, string>, rest: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: r.apiVersion, kind: r.kind,
  metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}), resourceVersion: '7', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
  ...rest,
});

describe('decideOwnership', () => {
  it.each([
    ['absent', undefined, 'new'],
    ['no labels at all', {}, 'adopt'],
    ['unrelated labels only', { labels: { app: 'web' } }, 'adopt'],
    ['this Sync', { labels: owned }, 'ours'],
    ['another Sync, same namespace', { labels: { ...owned, 'ferry.dev/sync-name': 'other' } }, 'conflict'],
    ['same name, another namespace', { labels: { ...owned, 'ferry.dev/sync-namespace': 'team-b' } }, 'conflict'],
    ['a flag-mode run of the same name', { labels: { ...owned, 'ferry.dev/owner-kind': 'flags' } }, 'conflict'],
    ['only the name label', { labels: { 'ferry.dev/sync-name': 'shop' } }, 'conflict'],
    ['only the namespace label', { labels: { 'ferry.dev/sync-namespace': 'team-a' } }, 'conflict'],
  ])('%s -> %s', (_name, meta, state) => {
    expect(decideOwnership(meta, sync).state).toBe(state);
  });

  it('remembers that an object of ours was adopted', () => {
    expect(decideOwnership({ labels: owned, annotations: { 'ferry.dev/adopted': 'true' } }, sync)).toEqual({ state: 'ours', adopted: true });
    expect(decideOwnership({ labels: owned }, sync)).toEqual({ state: 'ours', adopted: false });
  });

  it('names the other owner', () => {
    expect(decideOwnership({ labels: { ...owned, 'ferry.dev/sync-name': 'other' } }, sync)).toEqual({ state: 'conflict', owner: { name: 'other', namespace: 'team-a' } });
  });
});

describe('withOwnershipMarks', () => {
  const object = live(ref('ConfigMap', 'cfg', 'team-a'), owned, { keep: 'me', 'ferry.dev/adopted': 'false' });
  it('marks an adopted object, and keeps the mark on later applies whatever the source says', () => {
    expect(withOwnershipMarks(object, { state: 'adopt' }).metadata.annotations).toEqual({ keep: 'me', 'ferry.dev/adopted': 'true' });
    expect(withOwnershipMarks(object, { state: 'ours', adopted: true }).metadata.annotations).toEqual({ keep: 'me', 'ferry.dev/adopted': 'true' });
  });
  it('leaves objects this Sync created alone', () => {
    expect(withOwnershipMarks(object, { state: 'new' })).toBe(object);
    expect(withOwnershipMarks(object, { state: 'ours', adopted: false })).toBe(object);
  });
});

describe('ownershipConflictError', () => {
  it('names each object, its file and line, and the other owner; hints how to hand it over', () => {
    const error = ownershipConflictError([
      { ref: ref('ConfigMap', 'cfg', 'team-a'), owner: { name: 'other', namespace: 'team-b' }, source: { file: 'app/cm.yaml', line: 3 } },
      { ref: ref('Namespace', 'shared'), owner: { name: 'cli', namespace: 'default', kind: 'flags' } },
    ], sync);
    expect(error.code).toBe('apply.ownership-conflict');
    expect(error.file).toBe('app/cm.yaml');
    expect(error.line).toBe(3);
    expect(error.message).toContain('app/cm.yaml:3: ConfigMap team-a/cfg belongs to Sync team-b/other');
    expect(error.message).toContain('Namespace shared belongs to flag-mode run cli (state in default)');
    expect(error.message).toContain('nothing was applied');
    expect(error.hint).toContain('ferry.dev/sync-name=shop ferry.dev/sync-namespace=team-a ferry.dev/owner-kind-');
  });
});

describe('decidePrune: adopted, protected, data loss', () => {
  const context = { protectedNamespaces: protectedNamespaces(sync, ['ferry-system']) };
  const ns = (name: string) => ref('Namespace', name);
  const pvc = ref('PersistentVolumeClaim', 'data', 'team-a');
  const pv = ref('PersistentVolume', 'pv-1');
  const sts = ref('StatefulSet', 'db', 'team-a', 'apps/v1');
  const deleteClaims = { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' } } };
  const allow = { 'ferry.dev/prune': 'allow-data-loss' };
  it.each([
    ['a Namespace this Sync created', ns('shop'), live(ns('shop'), owned), {}, 'delete'],
    ["the Sync's own Namespace", ns('team-a'), live(ns('team-a'), owned), {}, 'release'],
    ['kube-system', ns('kube-system'), live(ns('kube-system'), owned), {}, 'release'],
    ['default', ns('default'), live(ns('default'), owned), {}, 'release'],
    ['kube-node-lease', ns('kube-node-lease'), live(ns('kube-node-lease'), owned), {}, 'release'],
    ["the agent's Namespace", ns('ferry-system'), live(ns('ferry-system'), owned), {}, 'release'],
    ['a protected name that is not a core Namespace', ref('Namespace', 'default', '', 'acme.io/v1'), live(ref('Namespace', 'default', '', 'acme.io/v1'), owned), {}, 'delete'],
    ['an adopted Namespace', ns('legacy'), live(ns('legacy'), owned, { 'ferry.dev/adopted': 'true' }), {}, 'release'],
    ['an adopted ConfigMap', ref('ConfigMap', 'c', 'x'), live(ref('ConfigMap', 'c', 'x'), owned, { 'ferry.dev/adopted': 'true' }), {}, 'release'],
    ['adopted, even with allow-data-loss', pvc, live(pvc, owned, { 'ferry.dev/adopted': 'true', ...allow }), {}, 'release'],
    ['adopted but now another Sync owns it', ref('ConfigMap', 'c', 'x'), live(ref('ConfigMap', 'c', 'x'), { ...owned, 'ferry.dev/sync-name': 'b' }, { 'ferry.dev/adopted': 'true' }), {}, 'skip'],
    ['prune disabled wins over adopted', ref('ConfigMap', 'c', 'x'), live(ref('ConfigMap', 'c', 'x'), owned, { 'ferry.dev/adopted': 'true', 'ferry.dev/prune': 'disabled' }), {}, 'skip'],
    ['a PVC', pvc, live(pvc, owned), {}, 'block'],
    ['a PVC allowed to lose data', pvc, live(pvc, owned, allow), {}, 'delete'],
    ['a PV', pv, live(pv, owned), {}, 'block'],
    ['a Namespace holding claims', ns('shop'), live(ns('shop'), owned), { claimsInside: 2 }, 'block'],
    ['a Namespace holding claims, allowed', ns('shop'), live(ns('shop'), owned, allow), { claimsInside: 2 }, 'delete'],
    ['a Namespace without claims', ns('shop'), live(ns('shop'), owned), { claimsInside: 0 }, 'delete'],
    ['a Namespace whose claims the agent may not list', ns('shop'), live(ns('shop'), owned), { claimsInside: 'unknown' as const }, 'block'],
    ['a StatefulSet deleting its claims', sts, live(sts, owned, undefined, deleteClaims), {}, 'block'],
    ['a StatefulSet retaining its claims', sts, live(sts, owned, undefined, { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain' } } }), {}, 'delete'],
    ['a PVC of another Sync', pvc, live(pvc, { ...owned, 'ferry.dev/sync-name': 'b' }), {}, 'skip'],
  ])('%s -> %s', (_name, r, object, extra, action) => {
    expect(decidePrune(r, object, sync, { ...context, ...extra }).action).toBe(action);
  });

  it('says why and what to do', () => {
    const blocked = decidePrune(pvc, live(pvc, owned), sync, context);
    expect(blocked).toMatchObject({ action: 'block', reason: expect.stringContaining('PersistentVolumeClaim team-a/data not deleted') });
    expect((blocked as { reason: string }).reason).toContain('ferry.dev/prune: allow-data-loss');
    expect(decidePrune(ns('legacy'), live(ns('legacy'), owned, { 'ferry.dev/adopted': 'true' }), sync, context)).toMatchObject({ reason: expect.stringContaining('existed before this Sync first applied it') });
    expect(decidePrune(ref('ConfigMap', 'c', 'x'), live(ref('ConfigMap', 'c', 'x'), { ...owned, 'ferry.dev/sync-name': 'b' }), sync, context)).toMatchObject({ reason: 'ConfigMap x/c now belongs to Sync team-a/b' });
  });

  it('without a context it still protects the system Namespaces and the Sync namespace', () => {
    expect(decidePrune(ns('team-a'), live(ns('team-a'), owned), sync).action).toBe('release');
    expect(decidePrune(ns('kube-public'), live(ns('kube-public'), owned), sync).action).toBe('release');
  });

  it('describeDataLoss is silent for ordinary objects', () => {
    expect(describeDataLoss(ref('ConfigMap', 'c', 'x'), live(ref('ConfigMap', 'c', 'x')), undefined)).toBeUndefined();
    expect(describeDataLoss(ref('PersistentVolumeClaim', 'c', 'x', 'acme.io/v1'), live(ref('PersistentVolumeClaim', 'c', 'x', 'acme.io/v1')), undefined)).toBeUndefined();
  });

  it('a release removes the owner labels and the mark, only if the object did not change since read', () => {
    expect(releasePatch(live(pvc, owned))).toEqual({
      metadata: {
        resourceVersion: '7',
        labels: { 'ferry.dev/sync-name': null, 'ferry.dev/sync-namespace': null, 'ferry.dev/owner-kind': null },
        annotations: { 'ferry.dev/adopted': null },
      },
    });
  });
});

describe('selectSearchKinds', () => {
  it('keeps listable, deletable kinds once per group and kind, and leaves out Events', () => {
    const verbs = ['list', 'delete', 'get'];
    const selected = selectSearchKinds([
      { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true, verbs },
      { apiVersion: 'v1', kind: 'Event', namespaced: true, verbs },
      { apiVersion: 'events.k8s.io/v1', kind: 'Event', namespaced: true, verbs },
      { apiVersion: 'v1', kind: 'Binding', namespaced: true, verbs: ['create'] },
      { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: ['create'] },
      { apiVersion: 'v1', kind: 'ComponentStatus', namespaced: false, verbs: ['get', 'list'] },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespaced: true, verbs },
      { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', namespaced: true, verbs },
      { apiVersion: 'v1', kind: 'Namespace', namespaced: false, verbs },
    ]);
    expect(selected.map((k) => `${k.apiVersion} ${k.kind}`)).toEqual(['v1 ConfigMap', 'autoscaling/v2 HorizontalPodAutoscaler', 'v1 Namespace']);
  });
});
