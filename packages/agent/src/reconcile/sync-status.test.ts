import { describe, expect, it } from 'vitest';
import { summarizeStatus, type SyncStatus } from './sync-status.js';

const t0 = '2026-01-01T00:00:00Z';
const t1 = '2026-01-01T00:05:00Z';

describe('summarizeStatus', () => {
  it('sets Ready=True with revisions, inventory size and observedGeneration', () => {
    const status = summarizeStatus(undefined, { outcome: 'Applied', reason: 'ReconciliationSucceeded', message: 'ok', attemptedRevision: 'abc', appliedRevision: 'abc', inventorySize: 3 }, 2, t0);
    expect(status).toEqual({
      observedGeneration: 2, lastAttemptedRevision: 'abc', lastAppliedRevision: 'abc', inventorySize: 3,
      conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'ok', observedGeneration: 2, lastTransitionTime: t0 }],
    });
  });

  it('a stalled revision keeps the last applied one and sets Stalled=True', () => {
    const previous = summarizeStatus(undefined, { outcome: 'Applied', reason: 'ReconciliationSucceeded', message: 'ok', attemptedRevision: 'abc', appliedRevision: 'abc', inventorySize: 3 }, 1, t0);
    const status = summarizeStatus(previous, { outcome: 'Stalled', reason: 'BuildFailed', message: 'app/x.yaml:3: bad', attemptedRevision: 'def' }, 1, t1);
    expect(status).toMatchObject({ lastAttemptedRevision: 'def', lastAppliedRevision: 'abc', inventorySize: 3 });
    expect(status.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'BuildFailed', lastTransitionTime: t1 }),
      expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'BuildFailed', lastTransitionTime: t1 }),
    ]);
  });

  it.each([
    ['Unhealthy', ['Ready', 'Reconciling']],
    ['Failed', ['Ready', 'Reconciling']],
    ['Suspended', ['Ready']],
  ] as const)('%s sets %j', (outcome, types) => {
    const status = summarizeStatus(undefined, { outcome, reason: 'X', message: 'm' }, 1, t0);
    expect(status.conditions?.map((c) => c.type)).toEqual(types);
  });

  it('keeps lastTransitionTime while a status holds, so an identical outcome yields an identical status', () => {
    const summary = { outcome: 'Applied' as const, reason: 'ReconciliationSucceeded', message: 'ok', attemptedRevision: 'a', appliedRevision: 'a', inventorySize: 1 };
    const first: SyncStatus = summarizeStatus(undefined, summary, 1, t0);
    expect(summarizeStatus(first, summary, 1, t1)).toEqual(first);
    expect(summarizeStatus(first, { ...summary, outcome: 'Unchanged' }, 1, t1)).toEqual(first);
  });
});
