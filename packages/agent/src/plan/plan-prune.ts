import { FerryError } from '@ferry/manifest-model';
import { compareForDelete } from './apply-order.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { describeObject, formatObjectKey, groupOf } from './kube-object.js';
import { AdoptedAnnotation, describeOwner, isOwnedBy, OwnerKindLabel, OwnerNameLabel, OwnerNamespaceLabel, ownerOf, PruneAllowDataLoss, PruneAnnotation, PruneDisabled, type SyncIdentity } from '../sync/labels.js';
import { isAdopted } from './plan-ownership.js';

export interface PruneGuardOptions {
  prune: boolean;
  allowEmpty: boolean;
  allowDeleteAllNamespaces: boolean;
}

/**
 * Refuses revisions that are far more likely a mistake than an intent (the top source of GitOps
 * accidents, flux2#1366, argo-cd#2573): a render with no objects, and a revision that drops every
 * Namespace this Sync created. Runs before anything is applied, so a refused revision changes nothing.
 */
export function checkPruneGuards(previous: readonly ObjectRef[], desired: readonly ObjectRef[], options: PruneGuardOptions): void {
  if (desired.length === 0 && !options.allowEmpty) {
    throw new FerryError('guard.empty', `the revision renders no objects${previous.length ? `; it would prune all ${previous.length} objects this Sync applied` : ''}`, {
      hint: 'check spec.path; set spec.allowEmpty: true if removing everything is intended',
    });
  }
  if (!options.prune) return;
  const isNamespace = (ref: ObjectRef) => ref.kind === 'Namespace' && groupOf(ref.apiVersion) === '';
  const previousNamespaces = previous.filter(isNamespace);
  if (previousNamespaces.length > 0 && !desired.some(isNamespace) && !options.allowDeleteAllNamespaces) {
    throw new FerryError('guard.namespaces', `the revision would delete every Namespace this Sync applied (${previousNamespaces.map((n) => n.name).join(', ')})`, {
      hint: 'set spec.allowDeleteAllNamespaces: true if deleting them is intended',
    });
  }
}

/** Objects the previous revision applied that the new one no longer has, in delete order. */
export function findPruneCandidates(previous: readonly ObjectRef[], desired: readonly ObjectRef[]): ObjectRef[] {
  const keep = new Set(desired.map(formatObjectKey));
  return previous.filter((ref) => !keep.has(formatObjectKey(ref))).sort(compareForDelete);
}

export type PruneDecision =
  | { ref: ObjectRef; action: 'delete' }
  /** Already gone: nothing to do, leaves the inventory. */
  | { ref: ObjectRef; action: 'gone' }
  /** Left in the cluster on purpose; leaves the inventory. */
  | { ref: ObjectRef; action: 'skip'; reason: string }
  /** Left in the cluster and handed back: its owner labels are removed; leaves the inventory. */
  | { ref: ObjectRef; action: 'release'; reason: string }
  /** Not deleted because that would destroy data; stays in the inventory (and owned) until allowed. */
  | { ref: ObjectRef; action: 'block'; reason: string };

/** Namespaces the agent never deletes, whatever the source says: the cluster's own and Ferry's. */
export const SystemNamespaces: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];

/** The Namespaces a Sync never prunes: the system ones, the one holding the Sync and its inventory, and any extra (the agent's own). */
export function protectedNamespaces(sync: SyncIdentity, extra: readonly string[] = []): Set<string> {
  return new Set([...SystemNamespaces, sync.namespace, ...extra].filter((n) => n !== ''));
}

export interface PruneContext {
  /** Namespaces never deleted (see protectedNamespaces); they are released instead. */
  protectedNamespaces: ReadonlySet<string>;
  /** For a Namespace: how many PersistentVolumeClaims (not already being deleted) it holds; `unknown` when the agent may not list them. */
  claimsInside?: number | 'unknown';
}

const isCoreNamespace = (ref: ObjectRef) => ref.kind === 'Namespace' && groupOf(ref.apiVersion) === '';

/**
 * Why deleting this live object destroys data, or undefined: a PersistentVolumeClaim (its volume
 * goes with it under the usual Delete reclaim policy), a PersistentVolume, a Namespace holding
 * claims, a StatefulSet that deletes its claims with it.
 */
export function describeDataLoss(ref: ObjectRef, live: KubeObject, claimsInside: number | 'unknown' | undefined): string | undefined {
  const group = groupOf(ref.apiVersion);
  if (group === '' && ref.kind === 'PersistentVolumeClaim') return 'deleting a PersistentVolumeClaim can delete its volume and data';
  if (group === '' && ref.kind === 'PersistentVolume') return 'deleting a PersistentVolume can delete the storage behind it';
  if (isCoreNamespace(ref) && claimsInside === 'unknown') return 'the agent may not list its PersistentVolumeClaims, so it may hold data';
  if (isCoreNamespace(ref) && claimsInside) return `it holds ${claimsInside} PersistentVolumeClaim(s), deleted with it`;
  if (group === 'apps' && ref.kind === 'StatefulSet') {
    const policy = (live.spec as { persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string } } | undefined)?.persistentVolumeClaimRetentionPolicy;
    if (policy?.whenDeleted === 'Delete') return 'its persistentVolumeClaimRetentionPolicy deletes its PersistentVolumeClaims with it';
  }
  return undefined;
}

/**
 * Decides per candidate, against the live object, whether deleting it is safe: only objects that
 * still carry this Sync's owner labels (someone may have adopted it since) and are not annotated
 * `ferry.dev/prune: disabled`. Objects the agent did not create (adopted: they existed before this
 * Sync first applied them) and protected Namespaces are released rather than deleted; objects whose
 * deletion destroys data are blocked unless annotated `ferry.dev/prune: allow-data-loss`.
 */
export function decidePrune(ref: ObjectRef, live: KubeObject | undefined, sync: SyncIdentity, context: PruneContext = { protectedNamespaces: protectedNamespaces(sync) }): PruneDecision {
  if (!live) return { ref, action: 'gone' };
  if (!isOwnedBy(live.metadata.labels, sync)) {
    const owner = ownerOf(live.metadata.labels);
    const now = owner ? `now belongs to ${describeOwner(owner)}` : "no longer carries this Sync's owner labels";
    return { ref, action: 'skip', reason: `${describeObject(ref)} ${now}` };
  }
  const prune = live.metadata.annotations?.[PruneAnnotation];
  if (prune === PruneDisabled) {
    return { ref, action: 'skip', reason: `${describeObject(ref)} is annotated ${PruneAnnotation}: ${PruneDisabled}` };
  }
  if (isCoreNamespace(ref) && context.protectedNamespaces.has(ref.name)) {
    return { ref, action: 'release', reason: `${describeObject(ref)} is protected (it holds this Sync or the cluster's own objects): released, not deleted` };
  }
  if (isAdopted(live.metadata.annotations)) {
    return { ref, action: 'release', reason: `${describeObject(ref)} existed before this Sync first applied it (${AdoptedAnnotation}): released, not deleted` };
  }
  const loss = describeDataLoss(ref, live, context.claimsInside);
  if (loss && prune !== PruneAllowDataLoss) {
    return { ref, action: 'block', reason: `${describeObject(ref)} not deleted: ${loss}; annotate it ${PruneAnnotation}: ${PruneAllowDataLoss} to allow it` };
  }
  return { ref, action: 'delete' };
}

/** The merge patch that releases an object: no owner labels, no adoption mark; only if unchanged since read. */
export function releasePatch(live: KubeObject): Record<string, unknown> {
  return {
    metadata: {
      ...(live.metadata.resourceVersion ? { resourceVersion: live.metadata.resourceVersion } : {}),
      labels: { [OwnerNameLabel]: null, [OwnerNamespaceLabel]: null, [OwnerKindLabel]: null },
      annotations: { [AdoptedAnnotation]: null },
    },
  };
}
