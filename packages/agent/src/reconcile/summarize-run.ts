import type { ReconcileRun } from './reconcile-run.js';
import type { SyncReport } from './sync-report.js';
import { AgentReason, type OutcomeSummary } from './sync-status.js';
import { describeUnhealthy } from './wait-healthy.js';

/**
 * The one place a reconcile's outcome is decided, from what its steps left: failed, suspended,
 * unchanged, a dry run, a failed prune, unhealthy, or applied. Status conditions follow from it
 * (summarizeStatus).
 */
export function summarizeRun(run: ReconcileRun): OutcomeSummary {
  const { report, failure } = run;
  if (failure) {
    return { outcome: failure.outcome, reason: failure.reason, message: failure.message, ...(report.revision ? { attemptedRevision: report.revision } : {}) };
  }
  if (run.target.spec.suspend) return { outcome: 'Suspended', reason: AgentReason.Suspended, message: 'spec.suspend is true: nothing fetched or applied' };
  const head = run.head ?? '';
  if (run.unchanged) {
    return { outcome: 'Unchanged', reason: AgentReason.ReconciliationSucceeded, message: `revision ${short(head)} is applied and healthy; the remote head is unchanged`, attemptedRevision: head, appliedRevision: head, inventorySize: report.inventorySize };
  }
  const counts = describeCounts(report);
  if (run.options.dryRun) {
    const changed = report.changes.filter((c) => c.action !== 'unchanged').length + report.prune.deleted.length;
    return { outcome: changed ? 'Applied' : 'Unchanged', reason: AgentReason.Progressing, message: `dry run of ${short(head)}: ${counts}` };
  }
  const applied = { attemptedRevision: head, appliedRevision: head, inventorySize: report.inventorySize };
  if (report.prune.failed.length) {
    const failed = report.prune.failed.slice(0, 3).map((f) => f.message).join('; ');
    return { outcome: 'Failed', reason: AgentReason.PruneFailed, message: `applied ${short(head)} (${counts}) but ${report.prune.failed.length} delete(s) failed and stay in the inventory: ${failed}`, ...applied };
  }
  if (run.health && !run.health.healthy) {
    return { outcome: 'Unhealthy', reason: AgentReason.HealthCheckFailed, message: `applied ${short(head)} (${counts}); ${describeUnhealthy(run.health, run.healthTimeoutMs ?? 0)}`, ...applied };
  }
  return { outcome: 'Applied', reason: AgentReason.ReconciliationSucceeded, message: `applied revision ${short(head)}: ${counts}`, ...applied };
}

function describeCounts(report: SyncReport): string {
  const count = (action: string) => report.changes.filter((c) => c.action === action).length;
  const parts = [`${count('create')} created`, `${count('configure')} configured`, `${count('unchanged')} unchanged`];
  if (count('recreate')) parts.push(`${count('recreate')} recreated`);
  parts.push(`${report.prune.deleted.length} pruned`);
  const skipped = (action: string) => report.prune.skipped.filter((s) => (s.action ?? 'skip') === action);
  if (skipped('skip').length) parts.push(`${skipped('skip').length} kept (not ours or prune disabled)`);
  if (skipped('release').length) parts.push(`${skipped('release').length} released (adopted or protected, not deleted)`);
  const blocked = skipped('block');
  // The first reason says what to do (annotate to allow, or wait for the next revision).
  if (blocked.length) parts.push(`${blocked.length} not pruned: ${blocked[0]?.reason}${blocked.length > 1 ? ` (and ${blocked.length - 1} more)` : ''}`);
  return parts.join(', ');
}

export function short(revision: string): string {
  return revision.slice(0, 12);
}
