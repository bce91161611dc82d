/**
 * The order in which kinds are applied. Definitions and containers first (a custom resource
 * fails with "no matches for kind" until its CRD is established; a namespaced object fails until its
 * Namespace exists), then identities and permissions, `*Class` kinds that others refer to,
 * configuration, Services, workloads, and admission webhooks last, so a webhook whose backend is
 * not yet running cannot block the objects that start it. Deletes run in the reverse order.
 */
export const APPLY_ORDER_TIERS: readonly (readonly string[])[] = [
  ['CustomResourceDefinition'],
  ['Namespace'],
  ['ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'NetworkPolicy'],
  ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  ['*Class'],
  ['Secret', 'ConfigMap', 'PersistentVolume', 'PersistentVolumeClaim'],
  ['Service'],
  // Everything not named elsewhere (workloads, Ingresses, custom resources) lands here.
  ['*'],
  ['APIService'],
  ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'],
];

const tierByKind = new Map<string, number>();
APPLY_ORDER_TIERS.forEach((kinds, tier) => kinds.forEach((k) => tierByKind.set(k, tier)));
const CLASS_TIER = tierByKind.get('*Class')!;
const DEFAULT_TIER = tierByKind.get('*')!;

/** The tier of a kind: lower applies first. `StorageClass`, `IngressClass`, `GatewayClass`... share one tier. */
export function applyOrderTier(kind: string): number {
  const known = tierByKind.get(kind);
  if (known !== undefined) return known;
  if (kind.endsWith('Class') && kind !== 'Class') return CLASS_TIER;
  return DEFAULT_TIER;
}

/** Sorts objects for apply: by tier, keeping the given order inside a tier (stable). */
export function sortForApply<T extends { kind: string }>(objects: readonly T[]): T[] {
  return objects
    .map((object, index) => ({ object, index, tier: applyOrderTier(object.kind) }))
    .sort((a, b) => a.tier - b.tier || a.index - b.index)
    .map((e) => e.object);
}

/** Sorts objects for deletion: the exact reverse of the apply order (webhooks first, CRDs last). */
export function sortForDelete<T extends { kind: string }>(objects: readonly T[]): T[] {
  return sortForApply(objects).reverse();
}
