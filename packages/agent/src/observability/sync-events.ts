/**
 * Kubernetes Events for Syncs, only when something changed: objects written or drift corrected, a
 * new failure (or a different failure message), or a recovery. A reconcile that changed nothing
 * and failed the same way as before records nothing.
 */
import type { KubeApi, SyncReport } from '../ports.js';

export interface SyncEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What the last reconcile reported, remembered per Sync to tell changes from repeats. */
export interface LastReported {
  failing: boolean;
  message: string;
}

export function decideEvent(previous: LastReported | undefined, report: Pick<SyncReport, 'outcome' | 'reason' | 'message' | 'changes' | 'prune' | 'revision'>, drifted: readonly string[]): SyncEvent | undefined {
  const failing = report.outcome === 'Failed' || report.outcome === 'Stalled' || report.outcome === 'Unhealthy';
  if (failing) {
    if (previous?.failing && previous.message === report.message) return undefined;
    return { type: 'Warning', reason: report.reason, message: report.message };
  }
  if (drifted.length) {
    const names = drifted.slice(0, 10).join(', ');
    return { type: 'Normal', reason: 'DriftCorrected', message: `corrected drift of ${drifted.length} object(s) at ${report.revision?.slice(0, 12) ?? '?'}: ${names}${drifted.length > 10 ? ', ...' : ''}` };
  }
  const written = report.changes.filter((c) => c.action !== 'unchanged').length + report.prune.deleted.length;
  if (written) return { type: 'Normal', reason: report.reason, message: report.message };
  if (previous?.failing) return { type: 'Normal', reason: report.reason, message: `recovered: ${report.message}` };
  return undefined;
}

export interface InvolvedSync {
  namespace: string;
  name: string;
  uid?: string;
}

/** Records a core/v1 Event on the Sync (server-side apply of a uniquely named Event). */
export async function recordSyncEvent(kube: KubeApi, sync: InvolvedSync, event: SyncEvent, reportingInstance: string, now: Date): Promise<void> {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${sync.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`, namespace: sync.namespace },
    involvedObject: { apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace: sync.namespace, name: sync.name, ...(sync.uid ? { uid: sync.uid } : {}) },
    type: event.type,
    reason: event.reason,
    // The API server caps messages at 1 KiB.
    message: event.message.slice(0, 1000),
    source: { component: 'ferry-agent' },
    reportingComponent: 'ferry-agent',
    reportingInstance: reportingInstance.slice(0, 128),
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  });
}
