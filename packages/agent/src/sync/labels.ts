/**
 * Labels and annotations the agent reads or writes on managed objects. Documented in docs/agent.md.
 */
/** Owner labels: an object is ours to prune only while they all still name this Sync. */
export const OwnerNameLabel = 'ferry.dev/sync-name';
export const OwnerNamespaceLabel = 'ferry.dev/sync-namespace';
/**
 * `ferry.dev/owner-kind: flags` marks an object applied by `ferry-agent sync --url` (flag mode).
 * Objects of Sync objects never carry it, so a Sync `default/cli` and a flag-mode run named `cli`
 * with its state in `default` are two different owners (distinct namespaces of names).
 */
export const OwnerKindLabel = 'ferry.dev/owner-kind';
/** `ferry.dev/prune: disabled` keeps an object in the cluster when it leaves the repository. */
export const PruneAnnotation = 'ferry.dev/prune';
export const PruneDisabled = 'disabled';
/**
 * `ferry.dev/prune: allow-data-loss` lets a prune delete an object whose deletion destroys data
 * (a PersistentVolumeClaim, a PersistentVolume, a Namespace holding PVCs, a StatefulSet that deletes
 * its PVCs with it); without it such a prune is blocked and reported.
 */
export const PruneAllowDataLoss = 'allow-data-loss';
/**
 * `ferry.dev/adopted: "true"`, set by the agent: the object existed, without owner labels, before this
 * Sync first applied it. A prune then releases it (removes the owner labels) instead of deleting it.
 */
export const AdoptedAnnotation = 'ferry.dev/adopted';
/** `ferry.dev/recreate: enabled` lets the agent delete and recreate an object on an immutable-field error. */
export const RecreateAnnotation = 'ferry.dev/recreate';
export const RecreateEnabled = 'enabled';
/**
 * `ferry.dev/adopt-inventory: <source id>` on a Sync object lets it take over an inventory recorded
 * for another source (a repository move), once: the value must name the source id the refusal printed.
 */
export const AdoptInventoryAnnotation = 'ferry.dev/adopt-inventory';
/** The server-side apply field manager. */
export const FieldManager = 'ferry-agent';

/** Who owns an inventory and the objects it lists: a Sync object, or a flag-mode run. */
export type OwnerKind = 'Sync' | 'flags';

export interface SyncIdentity {
  name: string;
  namespace: string;
  /** Absent: a Sync object. `flags`: `ferry-agent sync --url` (state in its inventory only). */
  kind?: OwnerKind;
}

export function ownerKindOf(sync: SyncIdentity): OwnerKind {
  return sync.kind ?? 'Sync';
}

export function ownerLabels(sync: SyncIdentity): Record<string, string> {
  return { [OwnerNameLabel]: sync.name, [OwnerNamespaceLabel]: sync.namespace, ...(ownerKindOf(sync) === 'flags' ? { [OwnerKindLabel]: 'flags' } : {}) };
}

/** An object's labels with the owner labels set; a kind label the source wrote itself never survives. */
export function withOwnerLabels(labels: Record<string, string> | undefined, sync: SyncIdentity): Record<string, string> {
  const { [OwnerKindLabel]: _fromSource, ...rest } = labels ?? {};
  return { ...rest, ...ownerLabels(sync) };
}

export function ownerSelector(sync: SyncIdentity): string {
  // `!=` also matches objects without the label: every object a Sync object ever applied.
  const kind = ownerKindOf(sync) === 'flags' ? `${OwnerKindLabel}=flags` : `${OwnerKindLabel}!=flags`;
  return `${OwnerNameLabel}=${sync.name},${OwnerNamespaceLabel}=${sync.namespace},${kind}`;
}

/** The owner an object's labels name (as far as they do), or undefined when it carries no owner label. */
export function ownerOf(labels: Record<string, string> | undefined): Partial<SyncIdentity> | undefined {
  const name = labels?.[OwnerNameLabel];
  const namespace = labels?.[OwnerNamespaceLabel];
  if (name === undefined && namespace === undefined) return undefined;
  return { ...(name !== undefined ? { name } : {}), ...(namespace !== undefined ? { namespace } : {}), ...(labels?.[OwnerKindLabel] === 'flags' ? { kind: 'flags' as const } : {}) };
}

/** How people read an owner in messages: `Sync ns/name`, or `flag-mode run name (state in ns)`. */
export function describeOwner(owner: Partial<SyncIdentity>): string {
  if (owner.kind === 'flags') return `flag-mode run ${owner.name ?? '?'} (state in ${owner.namespace ?? '?'})`;
  return `Sync ${owner.namespace ?? '?'}/${owner.name ?? '?'}`;
}

export function isOwnedBy(labels: Record<string, string> | undefined, sync: SyncIdentity): boolean {
  return labels?.[OwnerNameLabel] === sync.name && labels?.[OwnerNamespaceLabel] === sync.namespace
    && (labels?.[OwnerKindLabel] === 'flags') === (ownerKindOf(sync) === 'flags');
}
