import { needs, type ReconcileStep } from '../reconcile-run.js';

/** Records the revision on the inventory: what it left in the cluster, and whether it is healthy. */
export const recordStep: ReconcileStep = async (run) => {
  const health = needs(run.health, 'the health');
  await needs(run.inventory, 'the inventory').record({
    inventory: needs(run.kept, 'the kept objects'),
    lastAppliedRevision: needs(run.head, 'the head'),
    specHash: run.specHash,
    healthy: health.healthy && !run.report.prune.failed.length,
    records: run.records,
  });
};
