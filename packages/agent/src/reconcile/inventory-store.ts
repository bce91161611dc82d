import { FerryError } from '@ferry/manifest-model';
import { KubeApiError, type KubeApi } from '../ports.js';
import { decodeAppliedRecords, decodeInventory, encodeAppliedRecords, encodeInventory, type AppliedRecord, type InventorySource } from '../plan/inventory.js';
import type { KubeObject, ObjectRef } from '../plan/kube-object.js';
import { OwnerKindLabel, ownerKindOf, type SyncIdentity } from '../sync/labels.js';

/** What a Sync remembers between runs, kept in a ConfigMap beside it (works without a Sync object too). */
export interface SyncState {
  inventory: ObjectRef[];
  /** The commit last applied and found healthy, and the spec it was applied with. */
  lastAppliedRevision?: string;
  specHash?: string;
  healthy?: boolean;
  /** The source the inventory belongs to; undefined when an older agent wrote it without one. */
  source?: InventorySource;
  /**
   * Per object (formatObjectKey): its resourceVersion after the last apply and the hash of what was
   * applied (`data.applied`); missing in inventories written before records, or too large for them.
   */
  records?: ReadonlyMap<string, AppliedRecord>;
  /** Whether the ConfigMap existed when loaded (never written). */
  exists?: boolean;
}

export const InventoryLabel = 'ferry.dev/inventory-of';

/**
 * `ferry-inventory-<sync>` for a Sync object, `ferry-flags-inventory-<name>` for flag mode: no Sync
 * name can produce the second form, so the two never share an inventory.
 */
export function inventoryName(sync: SyncIdentity): string {
  const prefix = ownerKindOf(sync) === 'flags' ? 'ferry-flags-inventory-' : 'ferry-inventory-';
  return `${prefix}${sync.name}`.slice(0, 253);
}

/** `namespace/name` of the inventory ConfigMap, for messages. */
export function describeInventory(sync: SyncIdentity): string {
  return `ConfigMap ${sync.namespace}/${inventoryName(sync)}`;
}

function inventoryRef(sync: SyncIdentity): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace: sync.namespace, name: inventoryName(sync) };
}

/** Annotations carrying the small part of the state, readable with a metadata-only GET. */
const RevisionAnnotation = 'ferry.dev/revision';
const SpecHashAnnotation = 'ferry.dev/spec-hash';
const HealthyAnnotation = 'ferry.dev/healthy';
const SizeAnnotation = 'ferry.dev/inventory-size';
/** The source the inventory belongs to (docs/agent.md, "Inventory and ownership"). */
const SourceKindAnnotation = 'ferry.dev/source-kind';
const SourceUrlAnnotation = 'ferry.dev/source-url';
const SourcePathAnnotation = 'ferry.dev/source-path';

function readSource(annotations: Record<string, string>): InventorySource | undefined {
  const kind = annotations[SourceKindAnnotation];
  const url = annotations[SourceUrlAnnotation];
  if ((kind !== 'Sync' && kind !== 'flags') || url === undefined) return undefined;
  return { kind, url, path: annotations[SourcePathAnnotation] ?? '' };
}

export interface SyncMarker {
  lastAppliedRevision?: string;
  specHash?: string;
  healthy?: boolean;
  inventorySize?: number;
  source?: InventorySource;
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
    ...(readSource(annotations) ? { source: readSource(annotations) as InventorySource } : {}),
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
  const source = readSource(annotations);
  return {
    exists: live !== undefined,
    ...(source ? { source } : {}),
    inventory: decodeInventory(data.inventory ?? ''),
    records: decodeAppliedRecords(data.inventory ?? '', data.applied),
    ...(revision ? { lastAppliedRevision: revision } : {}),
    ...(specHash ? { specHash } : {}),
    ...(healthy ? { healthy: healthy === 'true' } : {}),
  };
}

/** Writes the state with server-side apply, only when it changed (a no-op sync writes nothing). */
export async function saveSyncState(kube: KubeApi, sync: SyncIdentity, state: SyncState, previous: SyncState): Promise<boolean> {
  const encode = (s: SyncState) => ({
    inventory: encodeInventory(s.inventory),
    applied: encodeAppliedRecords(s.inventory, s.records),
    annotations: {
      [RevisionAnnotation]: s.lastAppliedRevision ?? '',
      [SpecHashAnnotation]: s.specHash ?? '',
      [HealthyAnnotation]: String(s.healthy ?? false),
      [SizeAnnotation]: String(s.inventory.length),
      ...(s.source ? { [SourceKindAnnotation]: s.source.kind, [SourceUrlAnnotation]: s.source.url, [SourcePathAnnotation]: s.source.path } : {}),
    },
  });
  const next = encode(state);
  if (JSON.stringify(next) === JSON.stringify(encode(previous))) return false;
  await kube.apply(inventoryObject(sync, next.annotations, next.inventory, next.applied));
  return true;
}

function inventoryObject(sync: SyncIdentity, annotations: Record<string, string>, inventory: string, applied = ''): KubeObject {
  const labels = { [InventoryLabel]: sync.name, ...(ownerKindOf(sync) === 'flags' ? { [OwnerKindLabel]: 'flags' } : {}) };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: inventoryName(sync), namespace: sync.namespace, labels, annotations }, data: { inventory, ...(applied ? { applied } : {}) } };
}

/**
 * Before the first write of a new inventory's owner: a server-side dry run of the inventory's first
 * write. A missing namespace, RBAC that forbids it, or a name the API server refuses stops the
 * reconcile here, before any object is applied, instead of leaving objects no inventory names.
 */
export async function checkInventoryWritable(kube: KubeApi, sync: SyncIdentity): Promise<void> {
  try {
    await kube.apply(inventoryObject(sync, {}, ''), { dryRun: true });
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 404 && error.detailsKind === 'namespaces') {
      throw new FerryError('inventory.namespace-missing', `the state namespace ${sync.namespace} does not exist, so the inventory ${describeInventory(sync)} cannot be written; nothing was applied`, {
        hint: ownerKindOf(sync) === 'flags'
          ? `create it first (kubectl create namespace ${sync.namespace}) or pass --state-namespace with an existing namespace; the inventory must exist before the first object is applied, or a later removal could never prune them`
          : `create the namespace ${sync.namespace} first`,
        cause: error,
      });
    }
    throw error;
  }
}

/** Deletes the inventory ConfigMap (the Sync itself is being deleted). False when it was already gone. */
export async function deleteSyncState(kube: KubeApi, sync: SyncIdentity): Promise<boolean> {
  return kube.delete(inventoryRef(sync));
}
