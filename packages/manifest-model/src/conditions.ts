/**
 * Kubernetes-style status conditions (after Flux's condition_types.go and kstatus). Each type
 * states its polarity: whether `status: "True"` is good news or bad news.
 */
export const ConditionType = {
  /** Positive polarity: True when the last revision is applied and healthy. */
  Ready: 'Ready',
  /** Abnormal-true polarity: True while work is in progress (a new revision being applied). */
  Reconciling: 'Reconciling',
  /** Abnormal-true polarity: True when progress is impossible without a human (bad config, invalid YAML). */
  Stalled: 'Stalled',
  /** Positive polarity: True when the applied workloads report healthy. */
  Healthy: 'Healthy',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Why a condition has its status. Reasons are CamelCase, stable, and safe to match on. */
export const ConditionReason = {
  // Ready=True
  ReconciliationSucceeded: 'ReconciliationSucceeded',
  // Reconciling=True
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  // Ready=False, then either Stalled=True (user must fix) or a retry (transient)
  FetchFailed: 'FetchFailed',
  VerificationFailed: 'VerificationFailed',
  BuildFailed: 'BuildFailed',
  ApplyFailed: 'ApplyFailed',
  PruneFailed: 'PruneFailed',
  HealthCheckFailed: 'HealthCheckFailed',
  DependencyNotReady: 'DependencyNotReady',
  InvalidConfig: 'InvalidConfig',
  Suspended: 'Suspended',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: ConditionReason;
  message: string;
  observedGeneration?: number;
  /** RFC 3339. */
  lastTransitionTime: string;
}

/** Whether a condition type reads True as the healthy state (Ready, Healthy) or as a problem. */
export function isPositivePolarity(type: ConditionType): boolean {
  return type === ConditionType.Ready || type === ConditionType.Healthy;
}
