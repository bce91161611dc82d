import { FerryError } from '@ferry/manifest-model';
import { compareForDelete } from './apply-order.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { describeObject, formatObjectKey, groupOf } from './kube-object.js';
import { isOwnedBy, PruneAnnotation, PruneDisabled, type SyncIdentity } from '../sync/labels.js';

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
  | { ref: ObjectRef; action: 'skip'; reason: string };

/**
 * Decides per candidate, against the live object, whether deleting it is safe: only objects that
 * still carry this Sync's owner labels (someone may have adopted it since) and are not annotated
 * `ferry.dev/prune: disabled`.
 */
export function decidePrune(ref: ObjectRef, live: KubeObject | undefined, sync: SyncIdentity): PruneDecision {
  if (!live) return { ref, action: 'gone' };
  if (!isOwnedBy(live.metadata.labels, sync)) {
    return { ref, action: 'skip', reason: `${describeObject(ref)} no longer carries this Sync's owner labels` };
  }
  if (live.metadata.annotations?.[PruneAnnotation] === PruneDisabled) {
    return { ref, action: 'skip', reason: `${describeObject(ref)} is annotated ${PruneAnnotation}: ${PruneDisabled}` };
  }
  return { ref, action: 'delete' };
}
