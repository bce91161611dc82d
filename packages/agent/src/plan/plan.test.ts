import { describe, expect, it } from 'vitest';
import { compareForApply, compareForDelete, groupByStage, stageOf } from './apply-order.js';
import { assessHealth } from './assess-health.js';
import { canonicalJson, differsFromLive, listChangedPaths } from './compare-objects.js';
import { decodeInventory, encodeInventory } from './inventory.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { formatObjectKey } from './kube-object.js';
import { checkPruneGuards, decidePrune, findPruneCandidates } from './plan-prune.js';

const ref = (kind: string, name: string, namespace = '', apiVersion = 'v1'): ObjectRef => ({ apiVersion, kind, namespace, name });
const crd = ref('CustomResourceDefinition', 'widgets.acme.io', '', 'apiextensions.k8s.io/v1');
const ns = ref('Namespace', 'shop');
const cm = ref('ConfigMap', 'cfg', 'shop');
const deploy = ref('Deployment', 'web', 'shop', 'apps/v1');
const widget = ref('Widget', 'w', 'shop', 'acme.io/v1');
const webhook = ref('ValidatingWebhookConfiguration', 'hook', '', 'admissionregistration.k8s.io/v1');
const sync = { name: 'shop', namespace: 'ferry-system' };
const owned = { 'ferry.dev/sync-name': 'shop', 'ferry.dev/sync-namespace': 'ferry-system' };

describe('apply order', () => {
  it('puts Namespaces and CRDs first, webhooks last, and deletes in reverse', () => {
    const shuffled = [webhook, widget, deploy, cm, crd, ns];
    expect([...shuffled].sort(compareForApply).map((r) => r.kind)).toEqual([
      'CustomResourceDefinition', 'Namespace', 'ConfigMap', 'Deployment', 'Widget', 'ValidatingWebhookConfiguration',
    ]);
    expect([...shuffled].sort(compareForDelete).map((r) => r.kind)).toEqual([
      'ValidatingWebhookConfiguration', 'Widget', 'Deployment', 'ConfigMap', 'Namespace', 'CustomResourceDefinition',
    ]);
  });

  it.each([
    [crd, 0], [ns, 0], [cm, 1], [widget, 1], [webhook, 2],
    [ref('Namespace', 'x', '', 'acme.io/v1'), 1],
  ])('stage of %j is %i', (r, stage) => {
    expect(stageOf(r)).toBe(stage);
  });

  it('groups into non-empty stages', () => {
    expect(groupByStage([webhook, cm, ns], (r) => r).map((s) => s.map((r) => r.kind))).toEqual([['Namespace'], ['ConfigMap'], ['ValidatingWebhookConfiguration']]);
  });

  it('identity ignores the API version', () => {
    expect(formatObjectKey(ref('HorizontalPodAutoscaler', 'h', 'a', 'autoscaling/v1'))).toBe(formatObjectKey(ref('HorizontalPodAutoscaler', 'h', 'a', 'autoscaling/v2')));
  });
});

describe('prune guards', () => {
  const options = { prune: true, allowEmpty: false, allowDeleteAllNamespaces: false };
  it.each([
    ['empty render', [cm], [], options, 'guard.empty'],
    ['empty render on first sync', [], [], options, 'guard.empty'],
    ['empty render allowed', [cm], [], { ...options, allowEmpty: true }, undefined],
    ['drops every Namespace', [ns, cm], [cm], options, 'guard.namespaces'],
    ['drops every Namespace, allowed', [ns, cm], [cm], { ...options, allowDeleteAllNamespaces: true }, undefined],
    ['drops every Namespace, prune off', [ns, cm], [cm], { ...options, prune: false }, undefined],
    ['renames the Namespace', [ns, cm], [ref('Namespace', 'shop2')], options, undefined],
    ['no Namespaces before', [cm], [deploy], options, undefined],
  ])('%s', (_name, previous, desired, opts, code) => {
    const run = () => checkPruneGuards(previous, desired, opts);
    if (code) expect(run).toThrowError(expect.objectContaining({ code }));
    else expect(run).not.toThrow();
  });

  it('finds candidates by identity, in delete order', () => {
    const previous = [ns, cm, deploy, ref('Deployment', 'web', 'shop', 'apps/v1beta1')];
    expect(findPruneCandidates([ns, crd, cm, deploy, widget], [ns, ref('ConfigMap', 'cfg', 'shop')]).map((r) => r.kind)).toEqual(['Widget', 'Deployment', 'CustomResourceDefinition']);
    expect(findPruneCandidates(previous, [ns, cm, deploy])).toEqual([]);
  });

  const live = (labels?: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop', ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
  });
  it.each([
    ['gone', undefined, 'gone'],
    ['owned', live(owned), 'delete'],
    ['no labels', live(), 'skip'],
    ['another Sync', live({ ...owned, 'ferry.dev/sync-name': 'other' }), 'skip'],
    ['same name, other namespace', live({ ...owned, 'ferry.dev/sync-namespace': 'elsewhere' }), 'skip'],
    ['prune disabled', live(owned, { 'ferry.dev/prune': 'disabled' }), 'skip'],
    ['prune annotation other value', live(owned, { 'ferry.dev/prune': 'enabled' }), 'delete'],
  ])('decidePrune: %s -> %s', (_name, object, action) => {
    expect(decidePrune(cm, object, sync).action).toBe(action);
  });
});

describe('inventory', () => {
  it('round-trips and keeps the last apiVersion for an identity', () => {
    const refs = [ns, cm, ref('Deployment', 'web', 'shop', 'apps/v1beta1'), deploy];
    const decoded = decodeInventory(encodeInventory(refs));
    expect(decoded).toHaveLength(3);
    expect(decoded).toContainEqual(deploy);
    expect(decoded).toContainEqual(ns);
  });
  it('rejects a corrupt line', () => {
    expect(() => decodeInventory('v1 ConfigMap onlythree')).toThrowError(expect.objectContaining({ code: 'inventory.corrupt' }));
  });
});

describe('differsFromLive', () => {
  const base: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n', resourceVersion: '1', generation: 1, managedFields: [{ manager: 'x', time: 't1' }] }, data: { a: '1' } };
  it.each([
    ['missing live', base, undefined, true],
    ['only volatile metadata', { ...base, metadata: { ...base.metadata, resourceVersion: '2', managedFields: [{ manager: 'x', time: 't2' }] } }, base, false],
    ['data changed', { ...base, data: { a: '2' } }, base, true],
    ['label added', { ...base, metadata: { ...base.metadata, labels: { x: 'y' } } }, base, true],
  ])('%s -> %s', (_name, dryRun, live, expected) => {
    expect(differsFromLive(dryRun as KubeObject, live as KubeObject | undefined)).toBe(expected);
  });
  it('lists changed paths', () => {
    expect(listChangedPaths({ data: { a: '1', b: '1' } }, { data: { a: '2', b: '1' } })).toEqual(['data.a']);
  });
});

describe('assessHealth', () => {
  const obj = (apiVersion: string, kind: string, rest: Record<string, unknown>, generation?: number): KubeObject => ({
    apiVersion, kind, metadata: { name: 'x', ...(generation ? { generation } : {}) }, ...rest,
  });
  it.each([
    ['ConfigMap', obj('v1', 'ConfigMap', { data: {} }), 'Current'],
    ['Deployment not yet observed', obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 1 } }, 2), 'InProgress'],
    ['Deployment available', obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 } }, 2), 'Current'],
    ['Deployment 0 available', obj('apps/v1', 'Deployment', { spec: { replicas: 1 }, status: { replicas: 1, updatedReplicas: 1, availableReplicas: 0 } }), 'InProgress'],
    ['Deployment old replicas', obj('apps/v1', 'Deployment', { spec: { replicas: 1 }, status: { replicas: 2, updatedReplicas: 1, availableReplicas: 1 } }), 'InProgress'],
    ['Deployment deadline', obj('apps/v1', 'Deployment', { status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } }), 'Failed'],
    ['StatefulSet rolling', obj('apps/v1', 'StatefulSet', { spec: { replicas: 1 }, status: { readyReplicas: 1, currentRevision: 'a', updateRevision: 'b' } }), 'InProgress'],
    ['StatefulSet ready', obj('apps/v1', 'StatefulSet', { spec: { replicas: 1 }, status: { readyReplicas: 1, currentRevision: 'a', updateRevision: 'a' } }), 'Current'],
    ['DaemonSet', obj('apps/v1', 'DaemonSet', { status: { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 } }), 'InProgress'],
    ['DaemonSet ready', obj('apps/v1', 'DaemonSet', { status: { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 } }), 'Current'],
    ['Job complete', obj('batch/v1', 'Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }), 'Current'],
    ['Job failed', obj('batch/v1', 'Job', { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } }), 'Failed'],
    ['Job running', obj('batch/v1', 'Job', { status: { active: 1 } }), 'InProgress'],
    ['PVC pending', obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } }), 'InProgress'],
    ['PVC bound', obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } }), 'Current'],
    ['CRD established', obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions: [{ type: 'Established', status: 'True' }] } }), 'Current'],
    ['CRD names rejected', obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions: [{ type: 'NamesAccepted', status: 'False' }] } }), 'Failed'],
    ['CRD waiting', obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: {} }), 'InProgress'],
    ['custom Ready=True', obj('acme.io/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }), 'Current'],
    ['custom Ready=False', obj('acme.io/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Waiting' }] } }), 'InProgress'],
    ['custom Stalled', obj('acme.io/v1', 'Widget', { status: { conditions: [{ type: 'Stalled', status: 'True', reason: 'Bad' }] } }), 'Failed'],
  ])('%s -> %s', (_name, object, state) => {
    expect(assessHealth(object).state).toBe(state);
  });
});

describe('canonicalJson', () => {
  it('is equal for equal objects whatever the key order, and differs otherwise', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(canonicalJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
  });
});
