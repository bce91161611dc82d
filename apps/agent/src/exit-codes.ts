import type { SyncOutcome } from '@ferry/agent';

/** Exit codes of `ferry-agent` (documented in docs/agent.md). Stable: CI scripts match on them. */
export const ExitCode = {
  /** Synced: applied and healthy, unchanged, or suspended. `diff`: no differences. */
  Ok: 0,
  /** `diff` only: the sync would change something. */
  Changes: 1,
  /** Bad flags or arguments. */
  Usage: 2,
  /** Stalled: the source, the Sync or RBAC must be fixed; nothing of the revision was applied. */
  Stalled: 3,
  /** Applied, but objects did not become healthy in time (or one failed). */
  Unhealthy: 4,
  /** Transient failure (git server or API server unreachable, a delete failed): retry later. */
  Failed: 5,
  /** A bug in the agent. */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const outcomeCodes: Record<SyncOutcome, ExitCode> = {
  Applied: ExitCode.Ok,
  Unchanged: ExitCode.Ok,
  Suspended: ExitCode.Ok,
  Stalled: ExitCode.Stalled,
  Unhealthy: ExitCode.Unhealthy,
  Failed: ExitCode.Failed,
};

/** Severity order when several Syncs ran: the worst outcome decides. */
const severity: ExitCode[] = [ExitCode.Ok, ExitCode.Changes, ExitCode.Unhealthy, ExitCode.Failed, ExitCode.Stalled, ExitCode.Usage, ExitCode.Internal];

export function exitCodeOf(outcome: SyncOutcome): ExitCode {
  return outcomeCodes[outcome];
}

export function worstExitCode(codes: readonly ExitCode[]): ExitCode {
  return codes.reduce<ExitCode>((worst, code) => (severity.indexOf(code) > severity.indexOf(worst) ? code : worst), ExitCode.Ok);
}
