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

/** Annotations carrying the small part of the state, readable with a metadata-only GET. */
const RevisionAnnotation = 'ferry.dev/revision';
const SpecHashAnnotation = 'ferry.dev/spec-hash';
const HealthyAnnotation = 'ferry.dev/healthy';
const SizeAnnotation = 'ferry.dev/inventory-size';

export interface SyncMarker {
  lastAppliedRevision?: string;
  specHash?: string;
  healthy?: boolean;
  inventorySize?: number;
}

/**
 * The state without the inventory list: one metadata-only GET of a few hundred bytes however many
 * objects the Sync owns. Enough to decide that nothing changed.
 */
export async function loadSyncMarker(kube: KubeApi, sync: SyncIdentity): Promise<SyncMarker> {
  const live = kube.getMetadata ? await kube.getMetadata(inventoryRef(sync)) : await kube.get(inventoryRef(sync));
  const annotations = live?.metadata.annotations ?? {};
  return {
    ...(annotations[RevisionAnnotation] ? { lastAppliedRevision: annotations[RevisionAnnotation] } : {}),
    ...(annotations[SpecHashAnnotation] ? { specHash: annotations[SpecHashAnnotation] } : {}),
    ...(annotations[HealthyAnnotation] ? { healthy: annotations[HealthyAnnotation] === 'true' } : {}),
    ...(annotations[SizeAnnotation] ? { inventorySize: Number(annotations[SizeAnnotation]) } : {}),
  };
}

export async function loadSyncState(kube: KubeApi, sync: SyncIdentity): Promise<SyncState> {
  const live = await kube.get(inventoryRef(sync));
  const data = (live?.data ?? {}) as Record<string, string>;
  const annotations = live?.metadata.annotations ?? {};
  // Older agents kept the small fields in data; annotations win.
  const revision = annotations[RevisionAnnotation] ?? data.revision;
  const specHash = annotations[SpecHashAnnotation] ?? data.specHash;
  const healthy = annotations[HealthyAnnotation] ?? data.healthy;
  return {
    inventory: decodeInventory(data.inventory ?? ''),
    ...(revision ? { lastAppliedRevision: revision } : {}),
    ...(specHash ? { specHash } : {}),
    ...(healthy ? { healthy: healthy === 'true' } : {}),
  };
}

/** Writes the state with server-side apply, only when it changed (a no-op sync writes nothing). */
export async function saveSyncState(kube: KubeApi, sync: SyncIdentity, state: SyncState, previous: SyncState): Promise<boolean> {
  const encode = (s: SyncState) => ({
    inventory: encodeInventory(s.inventory),
    annotations: {
      [RevisionAnnotation]: s.lastAppliedRevision ?? '',
      [SpecHashAnnotation]: s.specHash ?? '',
      [HealthyAnnotation]: String(s.healthy ?? false),
      [SizeAnnotation]: String(s.inventory.length),
    },
  });
  const next = encode(state);
  if (JSON.stringify(next) === JSON.stringify(encode(previous))) return false;
  await kube.apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: inventoryName(sync), namespace: sync.namespace, labels: { [InventoryLabel]: sync.name }, annotations: next.annotations },
    data: { inventory: next.inventory },
  });
  return true;
}
