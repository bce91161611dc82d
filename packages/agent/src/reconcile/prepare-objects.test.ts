import { FerryError } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import type { RenderedObject } from '../plan/kube-object.js';
import { classifyError } from './classify-error.js';
import { prepareObjects, type Scope } from './prepare-objects.js';

const scopes: Record<string, Scope> = { 'v1/ConfigMap': 'Namespaced', 'v1/Namespace': 'Cluster', 'rbac.authorization.k8s.io/v1/ClusterRole': 'Cluster' };
const lookup = async (apiVersion: string, kind: string) => scopes[`${apiVersion}/${kind}`];
const sync = { name: 'web', namespace: 'ferry' };
const obj = (apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}): RenderedObject => ({
  object: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra },
  source: { file: `${kind}.yaml`, line: 3 },
});
const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.acme.io', undefined, { spec: { group: 'acme.io', scope: 'Namespaced', names: { kind: 'Widget' } } });

describe('prepareObjects', () => {
  it('defaults namespaces, strips them from cluster-scoped objects, adds owner labels', async () => {
    const prepared = await prepareObjects([obj('v1', 'ConfigMap', 'a'), obj('v1', 'ConfigMap', 'b', 'other'), obj('v1', 'Namespace', 'n', 'bogus')], sync, 'apps', lookup);
    expect(prepared.map((p) => p.ref.namespace)).toEqual(['apps', 'other', '']);
    expect(prepared[0]?.object.metadata.labels).toEqual({ 'ferry.dev/sync-name': 'web', 'ferry.dev/sync-namespace': 'ferry' });
    expect(prepared.every((p) => !p.definedInRevision)).toBe(true);
  });

  it('accepts a kind the server does not know when a CRD in the revision defines it', async () => {
    const prepared = await prepareObjects([crd, obj('acme.io/v1', 'Widget', 'w')], sync, 'apps', async (v, k) => (k === 'CustomResourceDefinition' ? 'Cluster' : lookup(v, k)));
    expect(prepared[1]).toMatchObject({ definedInRevision: true, ref: { namespace: 'apps' } });
  });

  it.each([
    ['an unknown kind', [obj('acme.io/v1', 'Gadget', 'g')], 'plan.unknown-kind'],
    ['a duplicate', [obj('v1', 'ConfigMap', 'a'), obj('v1', 'ConfigMap', 'a', 'apps')], 'plan.duplicate'],
  ])('refuses %s, naming the file and line', async (_name, rendered, code) => {
    await expect(prepareObjects(rendered, sync, 'apps', lookup)).rejects.toMatchObject({ code, line: 3 });
  });
});

describe('classifyError', () => {
  it.each([
    ['render.yaml', 'Stalled', 'BuildFailed'],
    ['plan.duplicate', 'Stalled', 'BuildFailed'],
    ['guard.empty', 'Stalled', 'PruneBlocked'],
    ['apply.invalid', 'Stalled', 'ValidationFailed'],
    ['apply.forbidden', 'Stalled', 'Forbidden'],
    ['kube.forbidden', 'Stalled', 'Forbidden'],
    ['sync.secret-not-found', 'Stalled', 'InvalidConfig'],
    ['source.auth', 'Stalled', 'FetchFailed'],
    ['source.unavailable', 'Failed', 'FetchFailed'],
    ['kube.unavailable', 'Failed', 'ApiUnavailable'],
    ['apply.timeout', 'Failed', 'ApplyFailed'],
  ])('%s -> %s/%s', (code, outcome, reason) => {
    expect(classifyError(new FerryError(code, 'x'))).toMatchObject({ outcome, reason, code });
  });

  it('treats unknown errors as transient and redacts them', () => {
    const classified = classifyError(new Error('GET https://user:hunter2@git.example/x failed'));
    expect(classified).toMatchObject({ outcome: 'Failed', code: 'internal' });
    expect(classified.message).not.toContain('hunter2');
  });
});
