import { KubeApiError, type KubeApi, type PruneResult } from '../ports.js';
import type { KubeObject, ObjectRef } from '../plan/kube-object.js';
import { groupOf } from '../plan/kube-object.js';
import { groupByStage } from '../plan/apply-order.js';
import { decidePrune, protectedNamespaces, releasePatch, type PruneDecision } from '../plan/plan-prune.js';
import type { SyncIdentity } from '../sync/labels.js';
import { settleLimit } from './map-limit.js';

export type { PruneResult } from './sync-report.js';

export interface PruneOptions {
  concurrency: number;
  dryRun?: boolean;
  /** Namespaces never deleted besides the system ones and the Sync's own (the agent's namespace, say). */
  protectedNamespaces?: readonly string[];
}

/**
 * Deletes prune candidates stage by stage in reverse apply order (webhooks first, Namespaces and
 * CRDs last), each only after re-reading it and confirming it is still ours to delete.
 */
export async function pruneObjects(kube: KubeApi, candidates: readonly ObjectRef[], sync: SyncIdentity, options: PruneOptions): Promise<PruneResult> {
  const result: PruneResult = { deleted: [], skipped: [], failed: [] };
  const protectedSet = protectedNamespaces(sync, options.protectedNamespaces);
  for (const stage of groupByStage(candidates, (r) => r).reverse()) {
    const outcomes = await settleLimit(stage, options.concurrency, async (ref) => {
      const live = await kube.get(ref);
      const claimsInside = live && isNamespace(ref) ? await countClaims(kube, ref.name) : undefined;
      const decision: PruneDecision = decidePrune(ref, live, sync, { protectedNamespaces: protectedSet, ...(claimsInside !== undefined ? { claimsInside } : {}) });
      if (!options.dryRun && decision.action === 'delete') await kube.delete(ref);
      if (!options.dryRun && decision.action === 'release') await kube.mergePatch(ref, releasePatch(live as KubeObject));
      return decision;
    });
    outcomes.forEach((outcome, index) => {
      const ref = stage[index] as ObjectRef;
      if (!outcome.ok) {
        result.failed.push({ ref, message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) });
      } else if (outcome.value.action === 'delete') result.deleted.push(ref);
      else if (outcome.value.action !== 'gone') result.skipped.push({ ref, reason: outcome.value.reason, action: outcome.value.action });
    });
  }
  return result;
}

function isNamespace(ref: ObjectRef): boolean {
  return ref.kind === 'Namespace' && groupOf(ref.apiVersion) === '';
}

/** Claims that deleting the Namespace would take with it (those already being deleted are going anyway). */
async function countClaims(kube: KubeApi, namespace: string): Promise<number | 'unknown'> {
  try {
    const claims = await kube.list('v1', 'PersistentVolumeClaim', { namespace });
    return claims.filter((c) => !c.metadata.deletionTimestamp).length;
  } catch (error) {
    // Narrower RBAC: unknown counts as holding data (blocked, not a failure retried forever).
    if (error instanceof KubeApiError && error.code === 'kube.forbidden') return 'unknown';
    throw error;
  }
}
