/**
 * What happens to a Sync's objects when the Sync is deleted. The agent puts `ferry.dev/finalizer`
 * on every Sync it reconciles, so a `kubectl delete sync` waits for it: with `spec.prune: true` the
 * objects in its inventory are pruned with the same guards as a revision's prune (other owners'
 * objects untouched, adopted ones released, data-losing deletes kept), otherwise (or when
 * suspended) they are left in place; either way an Event says which, the inventory ConfigMap is
 * deleted and the finalizer removed. A delete that fails keeps the finalizer and is retried.
 */
import { FerryError } from '@ferry/manifest-model';
import type { KubeObject, ObjectRef } from '../plan/kube-object.js';
import { describeObject } from '../plan/kube-object.js';
import { KubeApiError, type KubeApi, type PruneResult } from '../ports.js';
import { deleteSyncState, loadSyncState } from '../reconcile/inventory-store.js';
import { pruneObjects } from '../reconcile/prune-objects.js';
import type { SyncEvent } from '../observability/sync-events.js';
import type { SyncIdentity } from '../sync/labels.js';
import { SyncApiVersion, SyncKind } from '../sync/sync-spec.js';

export const SyncFinalizer = 'ferry.dev/finalizer';

export function hasFinalizer(object: KubeObject): boolean {
  return (object.metadata.finalizers as string[] | undefined)?.includes(SyncFinalizer) ?? false;
}

export function isDeleting(object: KubeObject): boolean {
  return typeof object.metadata.deletionTimestamp === 'string';
}

/**
 * Adds (or removes) the finalizer with the object's resourceVersion as precondition, so another
 * controller's finalizer written meanwhile is never lost (a merge patch replaces the whole list);
 * on a conflict it reads the Sync again and retries. Returns false when the Sync is gone.
 */
export async function setFinalizer(kube: KubeApi, identity: SyncIdentity, present: boolean, seen?: KubeObject): Promise<boolean> {
  const ref = { apiVersion: SyncApiVersion, kind: SyncKind, namespace: identity.namespace, name: identity.name };
  let object = seen;
  for (let attempt = 0; attempt < 5; attempt++) {
    object ??= await kube.get(ref);
    if (!object) return false;
    const finalizers = (object.metadata.finalizers as string[] | undefined) ?? [];
    if (finalizers.includes(SyncFinalizer) === present) return true;
    // Adding one to an object being deleted is refused by the server; there is nothing to guard then.
    if (present && isDeleting(object)) return true;
    const next = present ? [...finalizers, SyncFinalizer] : finalizers.filter((f) => f !== SyncFinalizer);
    try {
      await kube.mergePatch(ref, { metadata: { resourceVersion: object.metadata.resourceVersion, finalizers: next } });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 'kube.not-found') return false;
      if (!(error instanceof KubeApiError && error.code === 'kube.conflict')) throw error;
      object = undefined;
    }
  }
  throw new FerryError('kube.conflict', `the finalizer of Sync ${identity.namespace}/${identity.name} could not be ${present ? 'added' : 'removed'}: the Sync kept changing`);
}

export interface FinalizeInput {
  identity: SyncIdentity;
  /** spec.prune and spec.suspend of the Sync; undefined when its spec is invalid (objects are left). */
  prune: boolean | undefined;
  suspended: boolean;
  /** The Sync's objects, as the identity it runs as (its ServiceAccount); and the agent's own, for its inventory. */
  kube: KubeApi;
  stateKube: KubeApi;
  concurrency: number;
}

export interface FinalizeResult {
  /** True when the finalizer may go; false when a delete failed (retried later). */
  done: boolean;
  prune: PruneResult;
  event: SyncEvent;
}

export async function finalizeSync(input: FinalizeInput): Promise<FinalizeResult> {
  const { identity } = input;
  const state = await loadSyncState(input.stateKube, identity);
  const inventory: ObjectRef[] = state.inventory;
  const prune: PruneResult = { deleted: [], skipped: [], failed: [] };
  const why = input.prune === undefined ? 'its spec is invalid' : input.suspended ? 'it is suspended (spec.suspend: true)' : !input.prune ? 'spec.prune is false' : undefined;
  if (why !== undefined) {
    await deleteSyncState(input.stateKube, identity);
    const message = `Sync deleted; ${inventory.length} object(s) left in the cluster because ${why}${listed(inventory)}`;
    return { done: true, prune, event: { type: 'Normal', reason: 'ObjectsLeft', message } };
  }
  const result = await pruneObjects(input.kube, inventory, identity, { concurrency: input.concurrency });
  if (result.failed.length) {
    const failed = result.failed.slice(0, 3).map((f) => f.message).join('; ');
    return { done: false, prune: result, event: { type: 'Warning', reason: 'PruneFailed', message: `Sync deleted; ${result.failed.length} delete(s) of its objects failed, retrying (the finalizer stays): ${failed}` } };
  }
  await deleteSyncState(input.stateKube, identity);
  const kept = result.skipped.map((s) => s.reason);
  const message = `Sync deleted; pruned ${result.deleted.length} object(s)${kept.length ? `, left ${kept.length}: ${kept.slice(0, 5).join('; ')}${kept.length > 5 ? '; ...' : ''}` : ''}`;
  return { done: true, prune: result, event: { type: 'Normal', reason: 'Pruned', message } };
}

function listed(refs: readonly ObjectRef[]): string {
  if (!refs.length) return '';
  return `: ${refs.slice(0, 10).map(describeObject).join(', ')}${refs.length > 10 ? ', ...' : ''}`;
}
