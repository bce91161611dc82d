/**
 * Labels and annotations the agent reads or writes on managed objects. Documented in docs/agent.md.
 */
/** Owner labels: an object is ours to prune only while both still name this Sync. */
export const OwnerNameLabel = 'ferry.dev/sync-name';
export const OwnerNamespaceLabel = 'ferry.dev/sync-namespace';
/** `ferry.dev/prune: disabled` keeps an object in the cluster when it leaves the repository. */
export const PruneAnnotation = 'ferry.dev/prune';
export const PruneDisabled = 'disabled';
/** `ferry.dev/recreate: enabled` lets the agent delete and recreate an object on an immutable-field error. */
export const RecreateAnnotation = 'ferry.dev/recreate';
export const RecreateEnabled = 'enabled';
/** The server-side apply field manager. */
export const FieldManager = 'ferry-agent';

export interface SyncIdentity {
  name: string;
  namespace: string;
}

export function ownerLabels(sync: SyncIdentity): Record<string, string> {
  return { [OwnerNameLabel]: sync.name, [OwnerNamespaceLabel]: sync.namespace };
}

export function ownerSelector(sync: SyncIdentity): string {
  return `${OwnerNameLabel}=${sync.name},${OwnerNamespaceLabel}=${sync.namespace}`;
}

export function isOwnedBy(labels: Record<string, string> | undefined, sync: SyncIdentity): boolean {
  return labels?.[OwnerNameLabel] === sync.name && labels?.[OwnerNamespaceLabel] === sync.namespace;
}
