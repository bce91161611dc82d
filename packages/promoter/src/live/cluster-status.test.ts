import { describe, expect, it } from 'vitest';
import { parseStatusContext } from '@ferry/manifest-model';
import { evaluateCluster, type ReportedStatus } from './cluster-status.js';

const s = (context: string, state: ReportedStatus['state'], description: string = state): ReportedStatus => ({ context, state, description });

describe('evaluateCluster', () => {
  const commits = ['c2', 'c1', 'merge'];
  const run = (byCommit: Record<string, ReportedStatus[]>, expectedSyncs: string[] = []) =>
    evaluateCluster({ cluster: 'eu', commits, statusesByCommit: new Map(Object.entries(byCommit)), expectedSyncs });

  it.each([
    ['nothing reported', {}, [], 'waiting', undefined],
    ['success on the merge commit', { merge: [s('ferry/eu/ns/web', 'success')] }, [], 'live', 'merge'],
    ['success on a later commit', { c2: [s('ferry/eu/ns/web', 'success')] }, [], 'live', 'c2'],
    ['another cluster only', { merge: [s('ferry/us/ns/web', 'success')] }, [], 'waiting', undefined],
    ['pending', { merge: [s('ferry/eu/ns/web', 'pending')] }, [], 'pending', 'merge'],
    ['transient error keeps waiting', { merge: [s('ferry/eu/ns/web', 'error')] }, [], 'pending', 'merge'],
    ['failure', { merge: [s('ferry/eu/ns/web', 'failure', 'HealthCheckFailed: 0/1 available')] }, [], 'failed', 'merge'],
    ['one of two expected Syncs reported', { merge: [s('ferry/eu/ns/web', 'success')] }, ['ns/web', 'ns/db'], 'pending', 'merge'],
    ['both expected Syncs', { merge: [s('ferry/eu/ns/web', 'success'), s('ferry/eu/ns/db', 'success')] }, ['ns/web', 'ns/db'], 'live', 'merge'],
    ['newer applying, older live', { c2: [s('ferry/eu/ns/web', 'pending')], merge: [s('ferry/eu/ns/web', 'success')] }, [], 'live', 'merge'],
    ['newer applying, older failed', { c2: [s('ferry/eu/ns/web', 'pending')], merge: [s('ferry/eu/ns/web', 'failure')] }, [], 'pending', 'c2'],
    ['newer failed, older live', { c1: [s('ferry/eu/ns/web', 'failure')], merge: [s('ferry/eu/ns/web', 'success')] }, [], 'failed', 'c1'],
  ])('%s', (_name, byCommit, expected, state, commit) => {
    const result = run(byCommit as Record<string, ReportedStatus[]>, expected);
    expect(result.state).toBe(state);
    expect(result.commit).toBe(commit);
  });

  it('carries the agent reason of a failure', () => {
    expect(run({ merge: [s('ferry/eu/ns/web', 'failure', 'HealthCheckFailed: Deployment web: 0/1 replicas available')] }).description)
      .toBe('ns/web: HealthCheckFailed: Deployment web: 0/1 replicas available');
  });

  it('parses only Ferry contexts', () => {
    expect(parseStatusContext('ferry/eu/ns/web')).toEqual({ cluster: 'eu', sync: 'ns/web' });
    expect(parseStatusContext('ci/build')).toBeNull();
    expect(parseStatusContext('ferry/eu/web')).toBeNull();
  });
});
