import type { KubeApi } from '../adapters/kube-client.js';
import { decodeInventory, encodeInventory } from '../plan/inventory.js';
import type { ObjectRef } from '../plan/kube-object.js';
import type { SyncIdentity } from '../sync/labels.js';

/** What a Sync remembers between runs, kept in a ConfigMap beside it (works without a Sync object too). */
export interface SyncState {
  inventory: ObjectRef[];
  /** The commit last applied and found healthy, and the spec it was applied with. */
  lastAppliedRevision?: string;
  specHash?: string;
  healthy?: boolean;
}

export const InventoryLabel = 'ferry.dev/inventory-of';

export function inventoryName(sync: SyncIdentity): string {
  return `ferry-inventory-${sync.name}`.slice(0, 253);
}

function inventoryRef(sync: SyncIdentity): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace: sync.namespace, name: inventoryName(sync) };
}

export async function loadSyncState(kube: KubeApi, sync: SyncIdentity): Promise<SyncState> {
  const live = await kube.get(inventoryRef(sync));
  const data = (live?.data ?? {}) as Record<string, string>;
  return {
    inventory: decodeInventory(data.inventory ?? ''),
    ...(data.revision ? { lastAppliedRevision: data.revision } : {}),
    ...(data.specHash ? { specHash: data.specHash } : {}),
    ...(data.healthy ? { healthy: data.healthy === 'true' } : {}),
  };
}

/** Writes the state with server-side apply, only when it changed (a no-op sync writes nothing). */
export async function saveSyncState(kube: KubeApi, sync: SyncIdentity, state: SyncState, previous: SyncState): Promise<boolean> {
  const data: Record<string, string> = {
    inventory: encodeInventory(state.inventory),
    revision: state.lastAppliedRevision ?? '',
    specHash: state.specHash ?? '',
    healthy: String(state.healthy ?? false),
  };
  const before: Record<string, string> = {
    inventory: encodeInventory(previous.inventory),
    revision: previous.lastAppliedRevision ?? '',
    specHash: previous.specHash ?? '',
    healthy: String(previous.healthy ?? false),
  };
  if (JSON.stringify(data) === JSON.stringify(before)) return false;
  await kube.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: inventoryName(sync), namespace: sync.namespace, labels: { [InventoryLabel]: sync.name } },
    data,
  });
  return true;
}
