import type { KubeObject } from './kube-object.js';
import { groupOf } from './kube-object.js';

/** kstatus-style health: Current (healthy), InProgress (wait), Failed (will not get better by waiting). */
export type HealthState = 'Current' | 'InProgress' | 'Failed';
export interface Health {
  state: HealthState;
  message: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

const current = (message = 'ready'): Health => ({ state: 'Current', message });
const inProgress = (message: string): Health => ({ state: 'InProgress', message });
const failed = (message: string): Health => ({ state: 'Failed', message });

type Rule = (object: KubeObject, status: Record<string, unknown>) => Health;

const rules: Record<string, Rule> = {
  'apps/Deployment': (object, status) => {
    const want = replicasOf(object);
    const progressing = conditionOf(status, 'Progressing');
    if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
      return failed(`rollout exceeded its progress deadline: ${progressing.message ?? ''}`.trim());
    }
    const updated = num(status.updatedReplicas);
    const available = num(status.availableReplicas);
    const total = num(status.replicas);
    if (updated < want) return inProgress(`${updated}/${want} replicas updated`);
    if (total > updated) return inProgress(`${total - updated} old replicas pending termination`);
    if (available < want) return inProgress(`${available}/${want} replicas available`);
    return current(`${available}/${want} replicas available`);
  },
  'apps/StatefulSet': (object, status) => {
    const want = replicasOf(object);
    const ready = num(status.readyReplicas);
    const strategy = (object.spec as { updateStrategy?: { type?: string } } | undefined)?.updateStrategy?.type;
    if (strategy !== 'OnDelete' && status.updateRevision !== undefined && status.currentRevision !== status.updateRevision) {
      return inProgress(`${num(status.updatedReplicas)}/${want} replicas updated to revision ${String(status.updateRevision)}`);
    }
    if (ready < want) return inProgress(`${ready}/${want} replicas ready`);
    return current(`${ready}/${want} replicas ready`);
  },
  'apps/DaemonSet': (_object, status) => {
    const desired = num(status.desiredNumberScheduled);
    const updated = num(status.updatedNumberScheduled);
    const available = num(status.numberAvailable);
    if (updated < desired) return inProgress(`${updated}/${desired} pods updated`);
    if (available < desired) return inProgress(`${available}/${desired} pods available`);
    return current(`${available}/${desired} pods available`);
  },
  'batch/Job': (_object, status) => {
    const failedCondition = conditionOf(status, 'Failed');
    if (failedCondition?.status === 'True') return failed(`job failed: ${failedCondition.reason ?? ''} ${failedCondition.message ?? ''}`.trim());
    if (conditionOf(status, 'Complete')?.status === 'True') return current('job complete');
    return inProgress(`job running: ${num(status.succeeded)} succeeded, ${num(status.active)} active`);
  },
  '/PersistentVolumeClaim': (_object, status) => {
    if (status.phase === 'Bound') return current('bound');
    if (status.phase === 'Lost') return failed('the bound volume was lost');
    return inProgress(`phase ${String(status.phase ?? 'Pending')}`);
  },
  'apiextensions.k8s.io/CustomResourceDefinition': (_object, status) => {
    const names = conditionOf(status, 'NamesAccepted');
    if (names?.status === 'False') return failed(`names not accepted: ${names.message ?? names.reason ?? ''}`);
    if (conditionOf(status, 'Established')?.status === 'True') return current('established');
    return inProgress('waiting for Established');
  },
  '/Namespace': (_object, status) => (status.phase === 'Terminating' ? inProgress('namespace is terminating') : current('active')),
  '/Pod': (_object, status) => {
    if (status.phase === 'Succeeded') return current('succeeded');
    if (status.phase === 'Failed') return failed(`pod failed: ${String(status.reason ?? '')}`);
    if (conditionOf(status, 'Ready')?.status === 'True') return current('ready');
    return inProgress(`phase ${String(status.phase ?? 'Pending')}`);
  },
};

/**
 * Health of a live object. Specific rules for built-in workloads; otherwise the generic contract
 * most controllers follow: `observedGeneration` catches up with `generation`, then a `Ready` condition
 * (and `Stalled=True` means failed). Objects without status (ConfigMap, Service...) are healthy.
 */
export function assessHealth(object: KubeObject): Health {
  const status = (object.status ?? {}) as Record<string, unknown>;
  const generation = object.metadata.generation;
  if (typeof generation === 'number' && typeof status.observedGeneration === 'number' && status.observedGeneration < generation) {
    return inProgress(`controller has not yet observed generation ${generation}`);
  }
  const rule = rules[`${groupOf(object.apiVersion)}/${object.kind}`];
  if (rule) return rule(object, status);
  const stalled = conditionOf(status, 'Stalled');
  if (stalled?.status === 'True') return failed(`${stalled.reason ?? 'Stalled'}: ${stalled.message ?? ''}`.trim());
  const ready = conditionOf(status, 'Ready');
  if (ready?.status === 'True') return current(ready.message || 'ready');
  if (ready) return inProgress(`Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ''}${ready.message ? `: ${ready.message}` : ''}`);
  return current('no status to wait for');
}

function conditionOf(status: Record<string, unknown>, type: string): Condition | undefined {
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  return conditions.find((c) => c?.type === type);
}

function replicasOf(object: KubeObject): number {
  const replicas = (object.spec as { replicas?: unknown } | undefined)?.replicas;
  return typeof replicas === 'number' ? replicas : 1;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
