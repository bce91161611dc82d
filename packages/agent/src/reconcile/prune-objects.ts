import type { KubeApi } from '../adapters/kube-client.js';
import type { ObjectRef } from '../plan/kube-object.js';
import { groupByStage } from '../plan/apply-order.js';
import { decidePrune } from '../plan/plan-prune.js';
import type { SyncIdentity } from '../sync/labels.js';
import { settleLimit } from './map-limit.js';

export interface PruneResult {
  deleted: ObjectRef[];
  skipped: Array<{ ref: ObjectRef; reason: string }>;
  /** Deletes that failed: they stay in the inventory so the next sync tries again. */
  failed: Array<{ ref: ObjectRef; message: string }>;
}

/**
 * Deletes prune candidates stage by stage in reverse apply order (webhooks first, Namespaces and
 * CRDs last), each only after re-reading it and confirming it is still ours to delete.
 */
export async function pruneObjects(kube: KubeApi, candidates: readonly ObjectRef[], sync: SyncIdentity, options: { concurrency: number; dryRun?: boolean }): Promise<PruneResult> {
  const result: PruneResult = { deleted: [], skipped: [], failed: [] };
  for (const stage of groupByStage(candidates, (r) => r).reverse()) {
    const outcomes = await settleLimit(stage, options.concurrency, async (ref) => {
      const decision = decidePrune(ref, await kube.get(ref), sync);
      if (decision.action === 'delete' && !options.dryRun) await kube.delete(ref);
      return decision;
    });
    outcomes.forEach((outcome, index) => {
      const ref = stage[index] as ObjectRef;
      if (!outcome.ok) {
        result.failed.push({ ref, message: outcome.error instanceof Error ? outcome.error.message : String(outcome.error) });
      } else if (outcome.value.action === 'delete') result.deleted.push(ref);
      else if (outcome.value.action === 'skip') result.skipped.push({ ref, reason: outcome.value.reason });
    });
  }
  return result;
}
