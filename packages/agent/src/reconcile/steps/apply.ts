import { formatObjectKey } from '../../plan/kube-object.js';
import { ownerSelector } from '../../sync/labels.js';
import { applyObjects } from '../apply-objects.js';
import { needs, type ReconcileStep } from '../reconcile-run.js';

/**
 * Server-side apply of the plan, stage by stage. An object the inventory records as applied with
 * the same hash at its live resourceVersion is unchanged without a request; every other object is
 * dry-run first. Live objects are listed with this Sync's own owner selector, so a LIST returns
 * this Sync's objects, not every object of every Sync in the namespace (500 Syncs of 20 objects in
 * one namespace: 20 objects per LIST, not 10,000); an object another Sync owns is missing from it,
 * is dry-run like a new one, found to exist, read, and refused as a conflict. The inventory names
 * each object before it is written (write-ahead), and every written object after.
 */
export const applyStep: ReconcileStep = async (run) => {
  const { target: { identity }, deps, options } = run;
  const inventory = needs(run.inventory, 'the inventory');
  const changes = await applyObjects(deps.kube, needs(run.plan, 'the plan').prepared, {
    concurrency: run.concurrency, dryRun: options.dryRun ?? false, onApplied: (c) => run.applied.push(c.ref), sync: identity, ownerSelector: ownerSelector(identity),
    ...(inventory.state.records ? { records: inventory.state.records } : {}), recordSalt: run.specHash,
    onRecord: (ref, record) => run.records.set(formatObjectKey(ref), record),
    // Write-ahead: a crash (SIGKILL, API server gone) between two writes then leaves no object a
    // later revision could not prune. A failed write-ahead stops the apply before its first write
    // (the state namespace was checked by fetch, so a missing one never gets here).
    beforeWrites: (refs) => inventory.track(refs),
  });
  run.changes = changes;
  run.report.changes = changes.map(({ health: _health, ...rest }) => rest);
  if (options.dryRun) return;
  // Track new objects before pruning, so a crash from here on never leaves them unknown.
  await inventory.track(run.applied);
  run.applied = [];
};
