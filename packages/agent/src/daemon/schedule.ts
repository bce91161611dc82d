/**
 * When each Sync reconciles next: pure functions over plain records, with the clock and the random
 * source passed in, so the daemon's timing rules are table-tested without timers.
 *
 * Rules: a new Sync, a spec change (generation) or a reconcile request reconciles at once; after
 * success the next run is one interval later plus jitter; after a transient failure exponential
 * backoff (capped by the interval); a suspended Sync runs once to report Suspended, then waits for
 * its spec to change; a Sync never runs twice at the same time (a trigger during a run queues one
 * more run right after it).
 *
 * Slow Syncs get their own lane, so they cannot starve the others: a reconcile that runs longer
 * than `slowAfterMs` (a render stuck until its tool timeout, a huge repository) is moved out of the
 * normal slots into the slow lane, and a Sync whose last run was slow starts in the slow lane.
 * A slow Sync therefore holds at most one slot of its own lane, and the normal slots stay free
 * for every other Sync after at most `slowAfterMs`.
 */
import type { SyncOutcome } from '../reconcile/sync-status.js';

export interface SyncSchedule {
  key: string;
  generation: number | undefined;
  /** Value of the reconcile-request annotation last seen (webhook, `kubectl annotate`). */
  requestToken: string | undefined;
  intervalMs: number;
  suspended: boolean;
  /** When to run next; undefined when nothing is planned (suspended, or running). */
  dueAt: number | undefined;
  /** Consecutive failed reconciles (drives backoff). */
  failures: number;
  running: boolean;
  /** A trigger arrived while running: run again as soon as the current run ends. */
  pending: boolean;
  /** The last (or the current) reconcile ran longer than `slowAfterMs`: it runs in the slow lane. */
  slow?: boolean;
}

/** What the watch tells about a Sync. */
export interface ObservedSync {
  key: string;
  generation: number | undefined;
  requestToken: string | undefined;
  intervalMs: number;
  suspended: boolean;
}

export interface ScheduleSettings {
  /** Extra delay after success: up to this fraction of the interval (0.1 = up to +10 %). */
  jitter: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A reconcile running longer than this moves to the slow lane (default 30 s). */
  slowAfterMs?: number;
}

export const defaultSlowAfterMs = 30_000;
export const defaultScheduleSettings: ScheduleSettings = { jitter: 0.1, backoffBaseMs: 2_000, backoffMaxMs: 5 * 60_000, slowAfterMs: defaultSlowAfterMs };

/** A Sync seen by the watch (added or modified). */
export function observeSync(previous: SyncSchedule | undefined, seen: ObservedSync, now: number): SyncSchedule {
  if (!previous) {
    return { ...seen, dueAt: now, failures: 0, running: false, pending: false };
  }
  const changed = seen.generation !== previous.generation || (seen.requestToken !== undefined && seen.requestToken !== previous.requestToken);
  const next: SyncSchedule = { ...previous, ...seen };
  if (!changed) {
    // Only the interval may have moved (status writes also arrive here): keep the plan.
    return next;
  }
  // A spec change also resets backoff: the user may just have fixed what failed.
  return triggerSync({ ...next, failures: 0 }, now);
}

/** Reconcile as soon as possible (webhook, spec change, leadership gained). */
export function triggerSync(schedule: SyncSchedule, now: number): SyncSchedule {
  if (schedule.running) return { ...schedule, pending: true };
  return { ...schedule, dueAt: now };
}

export function startSync(schedule: SyncSchedule): SyncSchedule {
  return { ...schedule, running: true, pending: false, dueAt: undefined };
}

/** Whether an outcome counts as a failure for backoff. Stalled waits for a human: plain interval. */
export function isFailure(outcome: SyncOutcome): boolean {
  return outcome === 'Failed' || outcome === 'Unhealthy';
}

/**
 * A reconcile ended: plan the next one. `random` is in [0, 1). With `durationMs`, the Sync stays in
 * (or leaves) the slow lane by how long this run took.
 */
export function finishSync(schedule: SyncSchedule, outcome: SyncOutcome, now: number, random: number, settings: ScheduleSettings = defaultScheduleSettings, durationMs?: number): SyncSchedule {
  const failures = isFailure(outcome) ? schedule.failures + 1 : 0;
  const slow = durationMs === undefined ? schedule.slow : durationMs >= (settings.slowAfterMs ?? defaultSlowAfterMs);
  const base = { ...schedule, running: false, pending: false, failures, ...(slow !== undefined ? { slow } : {}) };
  if (schedule.pending) return { ...base, dueAt: now };
  if (schedule.suspended || outcome === 'Suspended') return { ...base, dueAt: undefined };
  return { ...base, dueAt: now + nextDelay(schedule.intervalMs, failures, random, settings) };
}

/** Delay before the next run: interval plus jitter after success, capped exponential backoff after failures. */
export function nextDelay(intervalMs: number, failures: number, random: number, settings: ScheduleSettings = defaultScheduleSettings): number {
  if (failures > 0) {
    const cap = Math.min(settings.backoffMaxMs, intervalMs);
    const backoff = Math.min(cap, settings.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
    // Jitter on backoff too, so many Syncs failing on one outage do not retry in lockstep.
    return Math.round(backoff * (1 + settings.jitter * random));
  }
  return Math.round(intervalMs * (1 + settings.jitter * random));
}

/**
 * Syncs to start now, earliest first: at most `slots` normal ones and `slowSlots` slow ones (a slow
 * Sync waits for the slow lane; it never takes a normal slot).
 */
export function pickDue(schedules: Iterable<SyncSchedule>, now: number, slots: number, slowSlots = 0): SyncSchedule[] {
  const due = [...schedules]
    .filter((s) => !s.running && s.dueAt !== undefined && s.dueAt <= now)
    .sort((a, b) => (a.dueAt as number) - (b.dueAt as number) || a.key.localeCompare(b.key));
  const picked: SyncSchedule[] = [];
  let normal = slots;
  let slow = slowSlots;
  for (const schedule of due) {
    if (schedule.slow) {
      if (slow > 0) {
        slow--;
        picked.push(schedule);
      }
    } else if (normal > 0) {
      normal--;
      picked.push(schedule);
    }
  }
  return picked;
}

/** A running reconcile and the lane it counts against. */
export interface RunningReconcile {
  key: string;
  startedAt: number;
  lane: 'normal' | 'slow';
}

/**
 * Running reconciles that have run past `slowAfterMs` in the normal lane and move to the slow lane
 * now (as many as it has room for, longest-running first), freeing their normal slots.
 */
export function findSlowRuns(running: readonly RunningReconcile[], now: number, slowSlots: number, settings: ScheduleSettings = defaultScheduleSettings): string[] {
  const limit = settings.slowAfterMs ?? defaultSlowAfterMs;
  const room = slowSlots - running.filter((r) => r.lane === 'slow').length;
  if (room <= 0) return [];
  return running
    .filter((r) => r.lane === 'normal' && now - r.startedAt >= limit)
    .sort((a, b) => a.startedAt - b.startedAt || a.key.localeCompare(b.key))
    .slice(0, room)
    .map((r) => r.key);
}

/** When the next normal-lane run crosses `slowAfterMs`; undefined when none will. */
export function nextSlowCheckAt(running: readonly RunningReconcile[], settings: ScheduleSettings = defaultScheduleSettings): number | undefined {
  const limit = settings.slowAfterMs ?? defaultSlowAfterMs;
  const times = running.filter((r) => r.lane === 'normal').map((r) => r.startedAt + limit);
  return times.length ? Math.min(...times) : undefined;
}

/** When the scheduler must wake up next; undefined when nothing is planned. */
export function nextWakeAt(schedules: Iterable<SyncSchedule>): number | undefined {
  let earliest: number | undefined;
  for (const s of schedules) {
    if (s.running || s.dueAt === undefined) continue;
    if (earliest === undefined || s.dueAt < earliest) earliest = s.dueAt;
  }
  return earliest;
}
