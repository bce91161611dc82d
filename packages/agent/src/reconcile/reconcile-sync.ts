import { createHash } from 'node:crypto';
import { inventorySource } from '../plan/inventory.js';
import { ownerKindOf, type SyncIdentity } from '../sync/labels.js';
import type { SyncSpec } from '../sync/sync-spec.js';
import { classifyError } from './classify-error.js';
import { finishReport } from './finish-report.js';
import type { PreparedObject } from './prepare-objects.js';
import type { ReconcileDeps, ReconcileOptions, ReconcileRun, ReconcileStep } from './reconcile-run.js';
import { applyStep } from './steps/apply.js';
import { fetchStep } from './steps/fetch.js';
import { healthStep } from './steps/health.js';
import { planStep } from './steps/plan.js';
import { pruneStep } from './steps/prune.js';
import { recordStep } from './steps/record.js';
import { renderStep } from './steps/render.js';
import { verifyStep } from './steps/verify.js';
import { summarizeRun } from './summarize-run.js';
import type { PruneResult, SyncReport, SyncTarget } from './sync-report.js';
import type { SyncStatus } from './sync-status.js';

export type { ReconcileDeps, ReconcileOptions } from './reconcile-run.js';
export type { SyncReport, SyncTarget } from './sync-report.js';

/**
 * The reconcile, in order. Any failure before apply changes nothing in the cluster. A new step is
 * one file in steps/ and one line here.
 */
export const reconcileSteps: ReadonlyArray<readonly [name: string, step: ReconcileStep]> = [
  ['fetch', fetchStep],
  ['verify', verifyStep],
  ['render', renderStep],
  ['plan', planStep],
  ['apply', applyStep],
  ['prune', pruneStep],
  ['health', healthStep],
  ['record', recordStep],
];

const emptyPrune = (): PruneResult => ({ deleted: [], skipped: [], failed: [] });

/**
 * One reconcile: guard clauses, then the steps until one says it is done, then one place that
 * summarises the outcome (summarizeRun) and one that writes status (finishReport).
 */
export async function reconcileSync(target: SyncTarget, deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<SyncReport> {
  const started = Date.now();
  const { spec, identity } = target;
  const run: ReconcileRun = {
    target, deps, options, applied: [], records: new Map(),
    report: {
      sync: identity, outcome: 'Failed', reason: '', message: '', changes: [], prune: emptyPrune(),
      inventorySize: target.status?.inventorySize ?? 0, status: target.status ?? {}, statusWritten: false, durationMs: 0,
    },
    source: inventorySource(ownerKindOf(identity), spec.url, spec.path),
    specHash: hashSpec(spec),
    concurrency: options.concurrency ?? 16,
  };
  if (!spec.suspend) {
    try {
      for (const [, step] of reconcileSteps) if ((await step(run)) === 'done') break;
    } catch (error) {
      await recordFailure(run, error);
    }
  }
  return finishReport(target, deps, options, run.report, summarizeRun(run), started);
}

/**
 * Classifies the error that ended the run. Objects written before it must be remembered, or a
 * later prune could never remove them.
 */
async function recordFailure(run: ReconcileRun, error: unknown): Promise<void> {
  const classified = classifyError(error);
  run.failure = classified;
  run.report.error = { code: classified.code, ...(classified.file ? { file: classified.file } : {}), ...(classified.line ? { line: classified.line } : {}) };
  if (run.inventory && run.applied.length && !run.options.dryRun) {
    const size = run.inventory.sizeWith(run.applied);
    await run.inventory.track(run.applied).catch(() => undefined);
    run.report.inventorySize = size;
  }
}

/** A Sync object whose spec or credentials are unusable: reported Stalled (InvalidConfig), nothing fetched. */
export async function reportInvalidSync(
  invalid: { identity: SyncIdentity; generation?: number; status?: SyncStatus; error: unknown },
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<SyncReport> {
  const started = Date.now();
  const classified = classifyError(invalid.error);
  const report: SyncReport = {
    sync: invalid.identity, outcome: 'Stalled', reason: '', message: '', changes: [], prune: emptyPrune(),
    inventorySize: invalid.status?.inventorySize ?? 0, status: invalid.status ?? {}, statusWritten: false, durationMs: 0,
    error: { code: classified.code },
  };
  // Shaped like a target so the one status writer handles it.
  const target = { identity: invalid.identity, fromObject: true, ...(invalid.generation !== undefined ? { generation: invalid.generation } : {}), ...(invalid.status ? { status: invalid.status } : {}) };
  return finishReport(target, deps, options, report, { outcome: classified.outcome, reason: classified.reason, message: classified.message }, started);
}

export function hashSpec(spec: SyncSpec): string {
  // interval and suspend do not change what is applied.
  const { interval: _interval, suspend: _suspend, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

export type { PreparedObject };
