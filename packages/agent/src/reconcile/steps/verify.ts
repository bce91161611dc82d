import { needs, type ReconcileStep } from '../reconcile-run.js';

/** Refuses a head that fails the Sync's checks (commit signatures, when the daemon was given a verifier). */
export const verifyStep: ReconcileStep = async (run) => {
  await run.deps.verifyCommit?.(run.target, needs(run.head, 'the head'));
};
