import { parseDuration } from '../../sync/sync-spec.js';
import { needs, type ReconcileStep } from '../reconcile-run.js';
import { waitHealthy } from '../wait-healthy.js';

/** Waits until the applied objects are healthy, one has failed, or spec.timeout passes. */
export const healthStep: ReconcileStep = async (run) => {
  const timeoutMs = run.options.healthTimeoutMs ?? parseDuration(run.target.spec.timeout);
  const changes = needs(run.changes, 'the applied changes');
  run.healthTimeoutMs = timeoutMs;
  run.health = await waitHealthy(run.deps.kube, changes.map((c) => ({ ref: c.ref, ...(c.health ? { health: c.health } : {}) })), { timeoutMs, concurrency: run.concurrency });
};
