import { canonicalJson } from '../plan/compare-objects.js';
import { stateKubeOf, type ReconcileDeps, type ReconcileOptions } from './reconcile-run.js';
import { SyncApiVersion, SyncKind } from '../sync/sync-spec.js';
import { classifyError } from './classify-error.js';
import type { ReportedTarget, SyncReport, SyncTarget } from './sync-report.js';
import { summarizeStatus, type OutcomeSummary } from './sync-status.js';

export type FinishedTarget = ReportedTarget & Pick<SyncTarget, 'fromObject' | 'generation' | 'status'>;

/**
 * The one place status is decided and written: only for Sync objects, only when it changed. Then
 * the reporter is told (never for a dry run).
 */
export async function finishReport(target: FinishedTarget, deps: ReconcileDeps, options: ReconcileOptions, report: SyncReport, summary: OutcomeSummary, started: number): Promise<SyncReport> {
  report.outcome = summary.outcome;
  report.reason = summary.reason;
  report.message = summary.message;
  const now = (deps.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  report.status = summarizeStatus(target.status, summary, target.generation, now);
  // Compared key order aside: the API server returns status with its keys sorted, this builds them
  // in its own order, and a plain JSON.stringify made every drift check a status write.
  if (target.fromObject && !options.dryRun && canonicalJson(report.status) !== canonicalJson(target.status ?? {})) {
    try {
      await stateKubeOf(deps).mergePatch(
        { apiVersion: SyncApiVersion, kind: SyncKind, namespace: target.identity.namespace, name: target.identity.name },
        { status: report.status },
        { subresource: 'status' },
      );
      report.statusWritten = true;
    } catch (error) {
      const classified = classifyError(error);
      report.message += ` (status not written: ${classified.message})`;
    }
  }
  if (!options.dryRun) await deps.reporter?.finished(target, report);
  report.durationMs = Date.now() - started;
  return report;
}
