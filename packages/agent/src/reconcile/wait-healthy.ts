import type { KubeApi } from '../ports.js';
import { assessHealth, type Health } from '../plan/assess-health.js';
import type { ObjectRef } from '../plan/kube-object.js';
import { describeObject } from '../plan/kube-object.js';
import { mapLimit } from './map-limit.js';

export interface HealthReport {
  healthy: boolean;
  /** Objects not yet healthy (or failed), with why; empty when healthy. */
  unhealthy: Array<{ ref: ObjectRef; health: Health }>;
}

/**
 * Waits until every object is healthy, an object has failed, or the deadline passes. Starts from
 * the objects as the apply returned them and re-reads only the ones not yet healthy.
 */
export async function waitHealthy(kube: KubeApi, objects: ReadonlyArray<{ ref: ObjectRef; health?: Health }>, options: { timeoutMs: number; concurrency: number }): Promise<HealthReport> {
  const deadline = Date.now() + options.timeoutMs;
  let pending = objects.map(({ ref, health }) => ({ ref, health: health ?? ({ state: 'InProgress', message: 'not read yet' } as Health) }));
  let interval = 100;
  for (;;) {
    pending = pending.filter((p) => p.health.state !== 'Current');
    if (pending.length === 0) return { healthy: true, unhealthy: [] };
    if (pending.some((p) => p.health.state === 'Failed') || Date.now() >= deadline) return { healthy: false, unhealthy: pending };
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))));
    interval = Math.min(interval * 2, 2000);
    pending = await mapLimit(pending, options.concurrency, async ({ ref }) => {
      const live = await kube.get(ref);
      return { ref, health: live ? assessHealth(live) : { state: 'InProgress' as const, message: 'not found' } };
    });
  }
}

export function describeUnhealthy(report: HealthReport, timeoutMs: number): string {
  const failed = report.unhealthy.filter((u) => u.health.state === 'Failed');
  const listed = (failed.length ? failed : report.unhealthy).slice(0, 5).map((u) => `${describeObject(u.ref)}: ${u.health.message}`);
  const more = report.unhealthy.length > 5 ? `; and ${report.unhealthy.length - 5} more` : '';
  const head = failed.length ? `${failed.length} object(s) failed` : `${report.unhealthy.length} object(s) not healthy after ${Math.round(timeoutMs / 1000)} s`;
  return `${head}: ${listed.join('; ')}${more}`;
}
