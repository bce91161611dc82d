import { KubeApiError, type KubeApi } from '../ports.js';
import type { ObjectRef } from '../plan/kube-object.js';
import { formatObjectKey, toObjectRef } from '../plan/kube-object.js';
import { selectSearchKinds, type DiscoveredKind } from '../plan/search-kinds.js';
import { isOwnedBy, ownerSelector, type SyncIdentity } from '../sync/labels.js';
import { settleLimit } from './map-limit.js';

export interface RecoveredInventory {
  /** Objects that carry this Sync's owner labels. */
  refs: ObjectRef[];
  /** Kinds (or namespaces of a kind) that could not be searched, with why: the search is incomplete. */
  unsearched: string[];
}

export interface RecoverOptions {
  /**
   * Where to search namespaced kinds when the agent may not list them cluster-wide (namespaced
   * install). Asked for only then, so the search can start before the revision is rendered.
   */
  namespaces: () => Promise<readonly string[]>;
  concurrency: number;
}

/** An owner-label search under way; the plan finishes it with the revision's namespaces. */
export interface PendingRecovery {
  finish(namespaces: readonly string[]): Promise<RecoveredInventory>;
}

/**
 * Starts recoverInventory now, while the commit is rendered (its LISTs took a twentieth of a first
 * sync of 1,000 objects when they waited for the render): it needs the revision only for a
 * namespaced install's fallback, which waits for `finish`.
 */
export function startRecovery(kube: KubeApi, sync: SyncIdentity, concurrency: number): PendingRecovery {
  let give: (namespaces: readonly string[]) => void = () => undefined;
  const namespaces = new Promise<readonly string[]>((resolve) => (give = resolve));
  const result = recoverInventory(kube, sync, { namespaces: () => namespaces, concurrency });
  // Awaited by finish(); a run that ends before its plan (a failed render) leaves it unobserved.
  result.catch(() => undefined);
  return {
    finish(found) {
      give(found);
      return result;
    },
  };
}

/**
 * Finds the objects a Sync owns by their owner labels, for when its inventory is gone (deleted by
 * hand, or never written): one LIST with the owner selector per kind the server serves, cluster-wide
 * where RBAC allows, else in the given namespaces. Without this, those objects would stay in the
 * cluster labelled as this Sync's, and no later revision could prune them.
 */
export async function recoverInventory(kube: KubeApi, sync: SyncIdentity, options: RecoverOptions): Promise<RecoveredInventory> {
  if (!kube.discoverKinds) return { refs: [], unsearched: ['every kind (this API client cannot list kinds)'] };
  const discovery = await kube.discoverKinds();
  const unsearched = discovery.failed.map((gv) => `${gv} (discovery failed)`);
  const selector = ownerSelector(sync);
  const found = new Map<string, ObjectRef>();
  const searches = await settleLimit(selectSearchKinds(discovery.kinds), options.concurrency, (kind) => searchKind(kube, kind, selector, options.namespaces));
  searches.forEach((search, index) => {
    const kind = selectSearchKinds(discovery.kinds)[index] as DiscoveredKind;
    if (!search.ok) {
      unsearched.push(`${kind.kind} in ${kind.apiVersion} (${search.error instanceof Error ? search.error.message : String(search.error)})`);
      return;
    }
    unsearched.push(...search.value.unsearched);
    for (const object of search.value.objects) {
      // The selector did the filtering; this re-checks what the server returned.
      if (isOwnedBy(object.metadata.labels, sync)) found.set(formatObjectKey(toObjectRef(object)), toObjectRef(object));
    }
  });
  return { refs: [...found.values()], unsearched };
}

async function searchKind(kube: KubeApi, kind: DiscoveredKind, selector: string, namespaces: () => Promise<readonly string[]>) {
  try {
    return { objects: await kube.list(kind.apiVersion, kind.kind, { labelSelector: selector }), unsearched: [] as string[] };
  } catch (error) {
    if (!(kind.namespaced && error instanceof KubeApiError && error.code === 'kube.forbidden')) throw error;
  }
  // A namespaced install may list only in its namespaces.
  const objects = [];
  const unsearched: string[] = [];
  for (const namespace of new Set(await namespaces())) {
    try {
      objects.push(...(await kube.list(kind.apiVersion, kind.kind, { namespace, labelSelector: selector })));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.code === 'kube.forbidden')) throw error;
      unsearched.push(`${kind.kind} in ${kind.apiVersion}, namespace ${namespace} (forbidden)`);
    }
  }
  return { objects, unsearched };
}
