import { uniqueRefs } from '../../plan/inventory.js';
import { pruneObjects } from '../prune-objects.js';
import { needs, type ReconcileStep } from '../reconcile-run.js';

/**
 * Deletes what the revision no longer has (each re-read and confirmed ours first). A dry run ends
 * here. Deletes that failed or were blocked stay in the inventory: a later sync deletes them once allowed.
 */
export const pruneStep: ReconcileStep = async (run) => {
  const { target: { identity }, deps, options, report } = run;
  const plan = needs(run.plan, 'the plan');
  report.prune = await pruneObjects(deps.kube, plan.candidates, identity, { concurrency: run.concurrency, ...(options.dryRun ? { dryRun: true } : {}) });
  report.prune.skipped.push(...plan.recoveredSkips);
  if (options.dryRun) return 'done';
  run.kept = uniqueRefs([...plan.desired, ...report.prune.failed.map((f) => f.ref), ...report.prune.skipped.filter((s) => s.action === 'block').map((s) => s.ref)]);
  report.inventorySize = run.kept.length;
};
