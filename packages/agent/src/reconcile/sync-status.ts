import { ConditionReason, ConditionType, type ConditionStatus } from '@ferry/manifest-model';

/**
 * Reasons the agent adds to manifest-model's shared set. Polarity follows the condition they sit on:
 * on `Ready=False` and `Stalled=True` they say what a human must fix.
 */
export const AgentReason = {
  ...ConditionReason,
  /** The identity the agent runs as may not read or write an object (RBAC). */
  Forbidden: 'Forbidden',
  /** A prune guard refused the revision (empty render, every Namespace deleted). */
  PruneBlocked: 'PruneBlocked',
  /** The inventory belongs to another source (or cannot be written); nothing was applied or pruned. */
  InventoryConflict: 'InventoryConflict',
  /** An object of the revision belongs to another Sync (its owner labels name it); nothing was applied. */
  OwnershipConflict: 'OwnershipConflict',
  /** The server's dry-run rejected an object; nothing was applied. */
  ValidationFailed: 'ValidationFailed',
  /** The Kubernetes API server could not be reached or answered 5xx/429 (an outage, a restart): retried. */
  ApiUnavailable: 'ApiUnavailable',
  /** Health timed out or an object failed; the revision is applied. */
  HealthCheckFailed: ConditionReason.HealthCheckFailed,
} as const;
export type AgentReason = (typeof AgentReason)[keyof typeof AgentReason];

export interface SyncCondition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** The `status` of a Sync object (also what `--json` reports). */
export interface SyncStatus {
  observedGeneration?: number;
  lastAttemptedRevision?: string;
  lastAppliedRevision?: string;
  inventorySize?: number;
  conditions?: SyncCondition[];
}

/**
 * Outcome of one reconcile, the single input to status and exit codes. Three failure classes, after
 * Flux: `Stalled` (a human must change something), `Unhealthy` (applied, waiting), `Failed`
 * (transient: retry later).
 */
export type SyncOutcome = 'Unchanged' | 'Applied' | 'Suspended' | 'Stalled' | 'Unhealthy' | 'Failed';

export interface OutcomeSummary {
  outcome: SyncOutcome;
  reason: string;
  message: string;
  attemptedRevision?: string;
  appliedRevision?: string;
  inventorySize?: number;
}

/**
 * Computes the next status from the previous one and one outcome: the single place conditions are
 * decided. Keeps `lastTransitionTime` when a condition's status did not change, so an unchanged
 * reconcile yields an identical status and costs no write.
 */
export function summarizeStatus(previous: SyncStatus | undefined, summary: OutcomeSummary, generation: number | undefined, now: string): SyncStatus {
  const next: SyncStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...pick('lastAttemptedRevision', summary.attemptedRevision ?? previous?.lastAttemptedRevision),
    ...pick('lastAppliedRevision', summary.appliedRevision ?? previous?.lastAppliedRevision),
    ...pick('inventorySize', summary.inventorySize ?? previous?.inventorySize),
  };
  if (summary.outcome === 'Unchanged' && previous?.conditions) {
    return { ...next, conditions: previous.conditions };
  }
  const wanted = conditionsFor(summary);
  next.conditions = wanted.map((c) => {
    const before = previous?.conditions?.find((p) => p.type === c.type);
    const lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : now;
    return { ...c, ...(generation !== undefined ? { observedGeneration: generation } : {}), lastTransitionTime };
  });
  return next;
}

type Wanted = Omit<SyncCondition, 'lastTransitionTime' | 'observedGeneration'>;

function conditionsFor(summary: OutcomeSummary): Wanted[] {
  const { reason, message } = summary;
  switch (summary.outcome) {
    case 'Applied':
    case 'Unchanged':
      return [{ type: ConditionType.Ready, status: 'True', reason, message }];
    case 'Suspended':
      return [{ type: ConditionType.Ready, status: 'False', reason: AgentReason.Suspended, message }];
    case 'Stalled':
      return [
        { type: ConditionType.Ready, status: 'False', reason, message },
        { type: ConditionType.Stalled, status: 'True', reason, message },
      ];
    case 'Unhealthy':
      return [
        { type: ConditionType.Ready, status: 'False', reason, message },
        { type: ConditionType.Reconciling, status: 'True', reason: AgentReason.ProgressingWithRetry, message },
      ];
    case 'Failed':
      return [
        { type: ConditionType.Ready, status: 'False', reason, message },
        { type: ConditionType.Reconciling, status: 'True', reason: AgentReason.ProgressingWithRetry, message },
      ];
  }
}

function pick<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

export function isReady(status: SyncStatus | undefined): boolean {
  return status?.conditions?.some((c) => c.type === ConditionType.Ready && c.status === 'True') ?? false;
}
