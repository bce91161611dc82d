import type { ObjectRef } from '../plan/kube-object.js';
import { describeObject, formatObjectKey } from '../plan/kube-object.js';
import type { SyncState } from '../reconcile/inventory-store.js';
import type { SyncReport } from '../ports.js';

/**
 * Objects that drifted: written by a reconcile of the revision and spec that were already applied,
 * so the cluster, not Git, had changed (edited, scaled, deleted). Objects whose kubectl fields were
 * taken over count too. A new revision or spec is an intended change, not drift.
 */
export function findDrift(before: Pick<SyncState, 'lastAppliedRevision' | 'specHash'>, report: Pick<SyncReport, 'outcome' | 'revision' | 'changes'>, specHash: string, taken: readonly ObjectRef[] = []): string[] {
  if (report.outcome !== 'Applied' && report.outcome !== 'Unhealthy') return [];
  if (!before.lastAppliedRevision || before.lastAppliedRevision !== report.revision || before.specHash !== specHash) return [];
  const drifted = new Map<string, string>();
  for (const change of report.changes) if (change.action !== 'unchanged') drifted.set(formatObjectKey(change.ref), describeObject(change.ref));
  for (const ref of taken) drifted.set(formatObjectKey(ref), describeObject(ref));
  return [...drifted.values()].sort();
}
