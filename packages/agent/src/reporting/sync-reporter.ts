import type { SyncReport, SyncTarget } from '../reconcile/reconcile-sync.js';

/**
 * Told about each reconcile: `applying` once a new revision is about to be applied, `finished`
 * with the report. Optional (`ReconcileDeps.reporter`); never throws into the reconcile.
 */
export interface SyncReporter {
  applying(target: SyncTarget, revision: string): Promise<void>;
  finished(target: Pick<SyncTarget, 'identity'> & Partial<Pick<SyncTarget, 'spec'>>, report: SyncReport): Promise<void>;
}
