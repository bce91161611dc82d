import { describe, expect, it } from 'vitest';
import { findSlowRuns, finishSync, nextDelay, nextSlowCheckAt, nextWakeAt, observeSync, pickDue, startSync, triggerSync, type ObservedSync, type RunningReconcile, type SyncSchedule } from './schedule.js';

const settings = { jitter: 0.1, backoffBaseMs: 1_000, backoffMaxMs: 60_000 };
const seen = (over: Partial<ObservedSync> = {}): ObservedSync => ({ key: 'ns/app', generation: 1, requestToken: undefined, intervalMs: 60_000, suspended: false, ...over });
const idle = (over: Partial<SyncSchedule> = {}): SyncSchedule => ({ ...seen(), dueAt: 5_000, failures: 0, running: false, pending: false, ...over });

describe('observeSync', () => {
  it.each([
    ['a new Sync is due at once', undefined, seen(), { dueAt: 100 }],
    ['same generation keeps the plan', idle(), seen(), { dueAt: 5_000 }],
    ['a new interval alone keeps the plan', idle(), seen({ intervalMs: 1_000 }), { dueAt: 5_000, intervalMs: 1_000 }],
    ['a spec change is due at once and resets backoff', idle({ failures: 4 }), seen({ generation: 2 }), { dueAt: 100, failures: 0 }],
    ['a new reconcile request is due at once', idle({ requestToken: 'a' }), seen({ requestToken: 'b' }), { dueAt: 100 }],
    ['a request seen before is not a trigger', idle({ requestToken: 'a' }), seen({ requestToken: 'a' }), { dueAt: 5_000 }],
    ['a spec change during a run queues one more run', idle({ running: true, dueAt: undefined }), seen({ generation: 2 }), { running: true, pending: true, dueAt: undefined }],
    ['suspending is a spec change: one run reports Suspended', idle(), seen({ generation: 2, suspended: true }), { dueAt: 100, suspended: true }],
  ])('%s', (_name, previous, observed, expected) => {
    expect(observeSync(previous, observed, 100)).toMatchObject(expected);
  });
});

describe('finishSync', () => {
  it.each([
    ['success: interval plus jitter (random 0)', idle({ running: true }), 'Applied', 0, { dueAt: 1_000 + 60_000, failures: 0 }],
    ['success: interval plus at most 10 %', idle({ running: true }), 'Unchanged', 0.999, { dueAt: 1_000 + 65_994, failures: 0 }],
    ['first failure: base backoff', idle({ running: true }), 'Failed', 0, { dueAt: 1_000 + 1_000, failures: 1 }],
    ['fourth failure: 8 s', idle({ running: true, failures: 3 }), 'Failed', 0, { dueAt: 1_000 + 8_000, failures: 4 }],
    ['backoff is capped by the interval', idle({ running: true, failures: 20 }), 'Failed', 0, { dueAt: 1_000 + 60_000, failures: 21 }],
    ['unhealthy backs off like a failure', idle({ running: true }), 'Unhealthy', 0, { dueAt: 2_000, failures: 1 }],
    ['stalled waits one interval (a human must fix it)', idle({ running: true, failures: 2 }), 'Stalled', 0, { dueAt: 61_000, failures: 0 }],
    ['success after failures resets backoff', idle({ running: true, failures: 5 }), 'Applied', 0, { failures: 0, dueAt: 61_000 }],
    ['suspended: nothing planned', idle({ running: true, suspended: true }), 'Suspended', 0, { dueAt: undefined }],
    ['a trigger during the run: again at once', idle({ running: true, pending: true }), 'Applied', 0, { dueAt: 1_000, pending: false }],
  ] as const)('%s', (_name, schedule, outcome, random, expected) => {
    expect(finishSync(schedule, outcome, 1_000, random, settings)).toMatchObject({ running: false, ...expected });
  });

  it('backoff doubles and never exceeds the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((f) => nextDelay(600_000, f, 0, settings));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });
});

describe('picking work', () => {
  const a = idle({ key: 'a', dueAt: 300 });
  const b = idle({ key: 'b', dueAt: 100 });
  const c = idle({ key: 'c', dueAt: 100, running: true });
  const d = idle({ key: 'd', dueAt: 900 });
  const e = idle({ key: 'e', dueAt: undefined });

  it('picks due, idle Syncs, earliest first, within the free slots', () => {
    expect(pickDue([a, b, c, d, e], 500, 4).map((s) => s.key)).toEqual(['b', 'a']);
    expect(pickDue([a, b, c, d, e], 500, 1).map((s) => s.key)).toEqual(['b']);
    expect(pickDue([a, b, c, d, e], 500, 0)).toEqual([]);
  });

  it('wakes at the earliest planned run, ignoring running and unplanned Syncs', () => {
    expect(nextWakeAt([a, c, d, e])).toBe(300);
    expect(nextWakeAt([c, e])).toBeUndefined();
  });

  it('a trigger makes an idle Sync due now and a running one pending', () => {
    expect(triggerSync(d, 50)).toMatchObject({ dueAt: 50, pending: false });
    expect(triggerSync(startSync(d), 50)).toMatchObject({ running: true, pending: true, dueAt: undefined });
  });
});

// Issue 17, bug 8: four Syncs stuck in a render took every slot and starved an ordinary Sync.
describe('the slow lane', () => {
  const lanes = { ...settings, slowAfterMs: 10_000 };
  const run = (key: string, startedAt: number, lane: RunningReconcile['lane'] = 'normal'): RunningReconcile => ({ key, startedAt, lane });

  it('a slow Sync waits for the slow lane and never takes a normal slot', () => {
    const stuck = ['s1', 's2', 's3'].map((key) => idle({ key, dueAt: 100, slow: true }));
    const ordinary = idle({ key: 'web', dueAt: 200 });
    expect(pickDue([...stuck, ordinary], 500, 2, 1).map((s) => s.key)).toEqual(['s1', 'web']);
    expect(pickDue([...stuck, ordinary], 500, 2, 0).map((s) => s.key)).toEqual(['web']);
    expect(pickDue([...stuck, ordinary], 500, 0, 4).map((s) => s.key)).toEqual(['s1', 's2', 's3']);
  });

  it('a run past slowAfterMs moves to the slow lane while there is room, longest first', () => {
    const running = [run('a', 0), run('b', 5_000), run('c', 1_000), run('d', 9_000)];
    expect(findSlowRuns(running, 10_000, 4, lanes)).toEqual(['a']);
    expect(findSlowRuns(running, 11_000, 4, lanes)).toEqual(['a', 'c']);
    expect(findSlowRuns(running, 20_000, 2, lanes)).toEqual(['a', 'c']);
    expect(findSlowRuns([...running, run('x', 0, 'slow'), run('y', 0, 'slow')], 20_000, 2, lanes)).toEqual([]);
  });

  it('the scheduler looks again when the next normal run crosses slowAfterMs', () => {
    expect(nextSlowCheckAt([run('a', 3_000), run('b', 1_000), run('c', 0, 'slow')], lanes)).toBe(11_000);
    expect(nextSlowCheckAt([run('c', 0, 'slow')], lanes)).toBeUndefined();
  });

  it('how long a run took decides the lane of the next one', () => {
    expect(finishSync(startSync(idle()), 'Stalled', 50_000, 0, lanes, 12_000)).toMatchObject({ slow: true, failures: 0 });
    expect(finishSync(startSync(idle({ slow: true })), 'Applied', 50_000, 0, lanes, 800)).toMatchObject({ slow: false });
    expect(finishSync(startSync(idle({ slow: true })), 'Applied', 50_000, 0, lanes)).toMatchObject({ slow: true });
  });

  it('a render that timed out is Stalled: retried at its interval, not in a backoff loop', () => {
    expect(finishSync(startSync(idle({ intervalMs: 300_000 })), 'Stalled', 1_000, 0, lanes, 120_000)).toMatchObject({ dueAt: 301_000, failures: 0 });
  });
});
