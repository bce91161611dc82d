import { FerryError } from '@ferry/manifest-model';
import { classOfCode, untypedErrorClass, type ErrorClass, type ErrorOutcome } from './error-outcome.js';
import type { SyncOutcome } from './sync-status.js';

export interface ClassifiedError {
  /** The Sync's outcome: Stalled, or Failed (waiting and transient errors are both retried). */
  outcome: Extract<SyncOutcome, 'Stalled' | 'Failed'>;
  /** Why: Stalled (a human must act), Waiting (a dependency is not ready) or Transient. */
  errorOutcome: ErrorOutcome;
  reason: string;
  message: string;
  code: string;
  file?: string;
  line?: number;
}

const syncOutcomes: Record<ErrorOutcome, ClassifiedError['outcome']> = { Stalled: 'Stalled', Waiting: 'Failed', Transient: 'Failed' };

/**
 * Sorts an error by its code through one table (error-outcome.ts) into stalled (a human must
 * change the source, the Sync or RBAC), waiting or transient (retry later), with the condition
 * reason to report. A code the table does not know is stalled, never retried forever.
 */
export function classifyError(error: unknown): ClassifiedError {
  if (!(error instanceof FerryError)) {
    const message = error instanceof Error ? error.message : String(error);
    return classified(untypedErrorClass, { message: new FerryError('internal', message).message, code: 'internal' });
  }
  return classified(classOfCode(error.code), {
    message: error.describe(), code: error.code, ...(error.file ? { file: error.file } : {}), ...(error.line ? { line: error.line } : {}),
  });
}

function classified(errorClass: ErrorClass, rest: Pick<ClassifiedError, 'message' | 'code' | 'file' | 'line'>): ClassifiedError {
  return { outcome: syncOutcomes[errorClass.outcome], errorOutcome: errorClass.outcome, reason: errorClass.reason, ...rest };
}
