import { describe, expect, it } from 'vitest';
import { carriesVersion, checkGate, countGateCommits, type GateCommit, type GateRule, type GateStatus } from './check-gate.js';

const D = `sha256:${'a'.repeat(64)}`;
const E = `sha256:${'e'.repeat(64)}`;
const V = { tag: '1.2.0', digest: D };
const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const s = (context: string, state: GateStatus['state'], minutes = 0, description: string = state): GateStatus => ({ context, state, description, createdAt: at(minutes) });
const c = (oid: string, version: { tag?: string; digest?: string } | null, statuses?: GateStatus[]): GateCommit => ({ oid: oid.padEnd(40, '0'), versions: version ? [version] : [], statuses });
const rule: GateRule = { from: 'staging', branch: 'staging' };
const run = (commits: GateCommit[], extra: Partial<GateRule> = {}, nowMinutes = 60) =>
  checkGate({ rule: { ...rule, ...extra }, app: 'web', version: V, commits, now: T0 + nowMinutes * 60_000 });

describe('carriesVersion', () => {
  it.each([
    ['tag and digest equal', [V], V, true],
    ['another digest', [{ tag: '1.2.0', digest: E }], V, false],
    ['tag only in the files, digest promoted', [{ tag: '1.2.0' }], V, false],
    ['tag promoted, files pin a digest too', [V], { tag: '1.2.0' }, true],
    ['two versions in the files', [V, { tag: '1.1.0', digest: D }], V, false],
    ['nothing found', [], V, false],
  ])('%s', (_name, versions, wanted, expected) => {
    expect(carriesVersion(versions, wanted)).toBe(expected);
  });
});

describe('checkGate', () => {
  it('passes when every Sync of every reporting cluster is successful on a commit carrying the version', () => {
    const verdict = run([c('b2', V, [s('ferry/eu/apps/web', 'success', 10), s('ferry/us/apps/web', 'success', 12)]), c('a1', { tag: '1.1.0' }, [s('ferry/eu/apps/web', 'success')])]);
    expect(verdict.outcome).toBe('passed');
    expect(verdict.message).toBe('gate (promotesFrom: staging): web 1.2.0@sha256:aaaaaaaaaaaa is live and healthy on eu, us');
  });

  it.each([
    ['the cluster still runs the older version', [c('b2', V), c('a1', { tag: '1.1.0' }, [s('ferry/eu/apps/web', 'success')])], 'eu: apps/web: success on a10000000000 (1.1.0): success'],
    ['the rollout failed', [c('b2', V, [s('ferry/eu/apps/web', 'failure', 5, 'HealthCheckFailed: 0/1 replicas available')])], 'eu: apps/web: failure on b20000000000 (1.2.0@sha256:aaaaaaaaaaaa): HealthCheckFailed: 0/1 replicas available'],
    ['still applying, nothing before', [c('b2', V, [s('ferry/eu/apps/web', 'pending', 5, 'applying b2')])], 'eu: apps/web: pending on b20000000000 (1.2.0@sha256:aaaaaaaaaaaa): applying b2'],
    ['moved on to a newer version', [c('c3', { tag: '1.3.0' }, [s('ferry/eu/apps/web', 'success', 20)]), c('b2', V, [s('ferry/eu/apps/web', 'success', 10)])], 'eu: apps/web: success on c30000000000 (1.3.0): success'],
    ['another digest under the same tag', [c('b2', { tag: '1.2.0', digest: E }, [s('ferry/eu/apps/web', 'success')])], 'eu: apps/web: success on b20000000000 (1.2.0@sha256:eeeeeeeeeeee): success'],
  ])('refuses when %s, naming the cluster and its report', (_name, commits, report) => {
    const verdict = run(commits);
    expect(verdict.outcome).toBe('refused');
    expect(verdict.message).toBe(`gate (promotesFrom: staging): web 1.2.0@sha256:aaaaaaaaaaaa is not live and healthy in every cluster of staging: ${report}`);
  });

  it('needs every Sync of a cluster, and names only those that are not there', () => {
    const verdict = run([c('b2', V, [s('ferry/eu/apps/web', 'success'), s('ferry/eu/apps/db', 'failure', 1, 'Stalled: bad')])]);
    expect(verdict.outcome).toBe('refused');
    expect(verdict.message).toMatch(/eu: apps\/db: failure on b2\S* \(1\.2\.0@sha256:aaaaaaaaaaaa\): Stalled: bad$/);
  });

  it('counts a cluster applying a later commit that still carries the version after a success on it', () => {
    expect(run([c('c3', V, [s('ferry/eu/apps/web', 'pending', 30)]), c('b2', V, [s('ferry/eu/apps/web', 'success', 10)])]).outcome).toBe('passed');
    expect(run([c('c3', V, [s('ferry/eu/apps/web', 'failure', 30)]), c('b2', V, [s('ferry/eu/apps/web', 'success', 10)])]).outcome).toBe('refused');
  });

  it('checks exactly the listed clusters: one that never reported is named, others are ignored', () => {
    const commits = [c('b2', V, [s('ferry/eu/apps/web', 'success'), s('ferry/prod-1/apps/web', 'failure')])];
    expect(run(commits, { clusters: ['eu'] }).outcome).toBe('passed');
    const verdict = run(commits, { clusters: ['eu', 'us'] });
    expect(verdict.outcome).toBe('refused');
    expect(verdict.message).toMatch(/: us: no report on the last 1 commit\(s\) of staging$/);
  });

  it('refuses when no cluster reports on the branch at all', () => {
    expect(run([c('b2', V, [])]).message).toBe('gate (promotesFrom: staging): no cluster reported on branch staging (its last 1 commit(s)), so nothing shows staging runs web 1.2.0@sha256:aaaaaaaaaaaa');
  });

  it('soak counts from the first success on the run of commits carrying the version, of the cluster that went live last', () => {
    const commits = [
      c('c3', V, [s('ferry/eu/apps/web', 'success', 40), s('ferry/us/apps/web', 'success', 41)]),
      c('b2', V, [s('ferry/eu/apps/web', 'success', 10), s('ferry/us/apps/web', 'failure', 11)]),
      c('a1', { tag: '1.1.0' }, [s('ferry/eu/apps/web', 'success', 0), s('ferry/us/apps/web', 'success', 0)]),
    ];
    // eu since 10, us since 41 (its success on b2 never came): live everywhere since minute 41.
    const early = run(commits, { soakMs: 30 * 60_000 }, 70);
    expect(early.outcome).toBe('refused');
    expect(early.message).toBe(`gate (promotesFrom: staging): web 1.2.0@sha256:aaaaaaaaaaaa has been live in staging (eu, us) for 29m, soak requires 30m (live everywhere since ${at(41)}; allowed from ${at(71)})`);
    expect(run(commits, { soakMs: 30 * 60_000 }, 71)).toMatchObject({ outcome: 'passed', message: 'gate (promotesFrom: staging): web 1.2.0@sha256:aaaaaaaaaaaa is live and healthy on eu, us for 30m (soak 30m)' });
  });

  it('a version seen earlier, then replaced and brought back, soaks from its return', () => {
    const commits = [c('d4', V, [s('ferry/eu/apps/web', 'success', 50)]), c('c3', { tag: '1.3.0' }, [s('ferry/eu/apps/web', 'success', 30)]), c('b2', V, [s('ferry/eu/apps/web', 'success', 10)])];
    expect(run(commits, { soakMs: 20 * 60_000 }, 60).outcome).toBe('refused');
    expect(run(commits, { soakMs: 10 * 60_000 }, 60).outcome).toBe('passed');
  });
});

describe('countGateCommits', () => {
  const v = (carried: boolean) => ({ versions: carried ? [V] : [{ tag: '0.9.0' }] });
  it('reads through the newest run carrying the version, and a few older commits', () => {
    expect(countGateCommits([v(false), v(true), v(true), v(false), v(true), ...Array.from({ length: 20 }, () => v(false))], V)).toBe(3 + 5);
    expect(countGateCommits(Array.from({ length: 30 }, () => v(false)), V)).toBe(10);
    expect(countGateCommits([v(true), v(false)], V)).toBe(2);
  });
});
