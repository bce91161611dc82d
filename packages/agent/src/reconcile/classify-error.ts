import { FerryError } from '@ferry/manifest-model';
import { AgentReason, type SyncOutcome } from './sync-status.js';

export interface ClassifiedError {
  outcome: Extract<SyncOutcome, 'Stalled' | 'Failed'>;
  reason: string;
  message: string;
  code: string;
  file?: string;
  line?: number;
}

/**
 * Sorts an error into stalled (a human must change the source, the Sync or RBAC) or failed
 * (transient: network, API server; retry later), with the condition reason to report.
 */
export function classifyError(error: unknown): ClassifiedError {
  if (!(error instanceof FerryError)) {
    const message = error instanceof Error ? error.message : String(error);
    return { outcome: 'Failed', reason: AgentReason.ApplyFailed, message: new FerryError('internal', message).message, code: 'internal' };
  }
  const base = { message: error.describe(), code: error.code, ...(error.file ? { file: error.file } : {}), ...(error.line ? { line: error.line } : {}) };
  const stalled = (reason: string): ClassifiedError => ({ outcome: 'Stalled', reason, ...base });
  const failed = (reason: string): ClassifiedError => ({ outcome: 'Failed', reason, ...base });
  const [area] = error.code.split('.');
  if (error.code === 'apply.forbidden' || error.code === 'kube.forbidden') return stalled(AgentReason.Forbidden);
  if (error.code === 'apply.invalid' || error.code === 'kube.invalid' || error.code === 'kube.immutable') return stalled(AgentReason.ValidationFailed);
  if (error.code === 'apply.ownership-conflict') return stalled(AgentReason.OwnershipConflict);
  if (area === 'guard') return stalled(AgentReason.PruneBlocked);
  if (error.code === 'inventory.foreign') return stalled(AgentReason.InventoryConflict);
  // A missing state namespace, a corrupt inventory: a human must fix them; retrying changes nothing.
  if (area === 'inventory') return stalled(AgentReason.InvalidConfig);
  if (area === 'render' || area === 'plan') return stalled(AgentReason.BuildFailed);
  if (area === 'sync' || error.code === 'kube.config') return stalled(AgentReason.InvalidConfig);
  if (area === 'source') {
    const transient = error.code === 'source.unavailable' || error.code === 'source.not-found';
    return transient ? failed(AgentReason.FetchFailed) : stalled(AgentReason.FetchFailed);
  }
  return failed(AgentReason.ApplyFailed);
}
