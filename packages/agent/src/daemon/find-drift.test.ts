import { describe, expect, it } from 'vitest';
import { findDrift } from './find-drift.js';

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name });
const applied = { lastAppliedRevision: 'abc', specHash: 'h1' };

describe('findDrift', () => {
  it.each([
    ['same revision and spec: written objects drifted', applied, { outcome: 'Applied', revision: 'abc', changes: [{ ref: cm('a'), action: 'configure' }, { ref: cm('b'), action: 'unchanged' }, { ref: cm('c'), action: 'create' }] }, 'h1', [], 2],
    ['a new revision is not drift', applied, { outcome: 'Applied', revision: 'def', changes: [{ ref: cm('a'), action: 'configure' }] }, 'h1', [], 0],
    ['a new spec is not drift', applied, { outcome: 'Applied', revision: 'abc', changes: [{ ref: cm('a'), action: 'configure' }] }, 'h2', [], 0],
    ['nothing applied before: first sync, not drift', {}, { outcome: 'Applied', revision: 'abc', changes: [{ ref: cm('a'), action: 'create' }] }, 'h1', [], 0],
    ['a failed reconcile reports none', applied, { outcome: 'Failed', revision: 'abc', changes: [] }, 'h1', [], 0],
    ['taken-over kubectl fields count once', applied, { outcome: 'Applied', revision: 'abc', changes: [{ ref: cm('a'), action: 'configure' }] }, 'h1', [cm('a'), cm('d')], 2],
  ] as const)('%s', (_name, before, report, specHash, taken, count) => {
    expect(findDrift(before, report as never, specHash, taken)).toHaveLength(count);
  });
});
