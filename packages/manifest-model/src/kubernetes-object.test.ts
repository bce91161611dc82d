import { describe, expect, it } from 'vitest';
import { applyOrderTier, sortForApply, sortForDelete } from './apply-order.js';
import { ConditionType, isPositivePolarity } from './conditions.js';
import { formatIdentity, identityKey, identityOf, parseIdentityKey } from './kubernetes-object.js';

describe('identityOf', () => {
  it('splits group and version; core group is empty', () => {
    expect(identityOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } }))
      .toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' });
    expect(identityOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }))
      .toEqual({ group: '', version: 'v1', kind: 'Namespace', name: 'shop' });
  });
  it('says which field is missing, and where', () => {
    expect(() => identityOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, { file: 'a.yaml', line: 4 }))
      .toThrow(expect.objectContaining({ code: 'object.invalid', file: 'a.yaml', line: 4, message: expect.stringMatching(/metadata.name/) }));
  });
  it('keys ignore the version and round-trip', () => {
    const a = identityOf({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'n' } });
    const b = identityOf({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'n' } });
    expect(identityKey(a)).toBe(identityKey(b));
    expect(identityKey(a)).toBe('n_h_autoscaling_HorizontalPodAutoscaler');
    expect(parseIdentityKey('_shop__Namespace')).toEqual({ name: 'shop', group: '', kind: 'Namespace' });
    expect(formatIdentity(a)).toBe('autoscaling/v1 HorizontalPodAutoscaler n/h');
  });
});

describe('apply order', () => {
  const kinds = ['ValidatingWebhookConfiguration', 'Deployment', 'Widget', 'Service', 'ConfigMap', 'IngressClass', 'StorageClass',
    'ClusterRole', 'ServiceAccount', 'Namespace', 'CustomResourceDefinition', 'MutatingWebhookConfiguration'];
  it('puts CRDs and Namespaces first, classes before users, webhooks last', () => {
    expect(sortForApply(kinds.map((kind) => ({ kind }))).map((o) => o.kind)).toEqual([
      'CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ServiceAccount', 'IngressClass', 'StorageClass', 'ConfigMap', 'Service',
      'Deployment', 'Widget', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
    ]);
  });
  it('deletes in reverse', () => {
    const objects = kinds.map((kind) => ({ kind }));
    expect(sortForDelete(objects)).toEqual(sortForApply(objects).reverse());
  });
  it('treats any *Class kind as a class', () => {
    expect(applyOrderTier('GatewayClass')).toBe(applyOrderTier('StorageClass'));
    expect(applyOrderTier('GatewayClass')).toBeLessThan(applyOrderTier('Gateway'));
  });
});

describe('conditions', () => {
  it('knows polarity', () => {
    expect(isPositivePolarity(ConditionType.Ready)).toBe(true);
    expect(isPositivePolarity(ConditionType.Stalled)).toBe(false);
  });
});
