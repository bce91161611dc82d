import { describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../core/format-promotion.js';
import { findCommitsContaining, type HistoryCommit } from './git-history.js';
import { chooseRollbackVersion, readPromotionRecords, RollbackTrailer } from './promotion-records.js';
import { setHold } from './set-hold.js';

function promotion(oid: string, tag: string, env = 'prod', extra = ''): HistoryCommit {
  const message = formatCommitMessage({ app: 'web', env, image: 'ghcr.io/acme/web', from: [{ tag: 'x' }], to: { tag }, files: [] });
  return { oid, parents: [], time: 0, message: extra ? `${message}${extra}\n` : message };
}

describe('rollback version choice from trailers', () => {
  const log = [
    promotion('c4', '1.3.0'),
    { oid: 'c3', parents: [], time: 0, message: 'docs: unrelated\n' },
    promotion('c2', '1.2.0'),
    promotion('dev', '1.2.5', 'dev'),
    promotion('c1', '1.1.0'),
  ];
  const records = readPromotionRecords(log, 'web', 'prod');

  it('reads only this app and environment', () => {
    expect(records.map((r) => `${r.commit}:${r.version.tag}`)).toEqual(['c4:1.3.0', 'c2:1.2.0', 'c1:1.1.0']);
  });

  it('goes back one version from the one in place, or to an explicit one', () => {
    expect(chooseRollbackVersion(records, [{ tag: '1.3.0' }]).version.tag).toBe('1.2.0');
    expect(chooseRollbackVersion(records, [{ tag: '1.3.0' }], '1.1.0').commit).toBe('c1');
    expect(chooseRollbackVersion(records, [{ tag: '1.3.0' }], 'ghcr.io/acme/web:1.1.0').commit).toBe('c1');
    expect(() => chooseRollbackVersion(records, [{ tag: '1.3.0' }], '0.9.0')).toThrow('version 0.9.0 was never promoted to this environment (history has: 1.3.0, 1.2.0, 1.1.0)');
    expect(() => chooseRollbackVersion(records, [{ tag: '1.1.0' }])).toThrow(/no earlier version in history to roll back to/);
  });

  it('a second rollback keeps going back instead of returning to the version rolled back from', () => {
    const after = readPromotionRecords([promotion('r1', '1.2.0', 'prod', `${RollbackTrailer}: ghcr.io/acme/web:1.3.0`), ...log], 'web', 'prod');
    expect(after[0]).toMatchObject({ commit: 'r1', rollbackFrom: 'ghcr.io/acme/web:1.3.0' });
    expect(chooseRollbackVersion(after, [{ tag: '1.2.0' }]).version.tag).toBe('1.1.0');
  });
});

describe('findCommitsContaining', () => {
  it('follows parents, merges included, and ignores commits that do not contain the sha', () => {
    const c = (oid: string, ...parents: string[]): HistoryCommit => ({ oid, parents, message: '', time: 0 });
    const log = [c('m2', 'x', 'side'), c('side', 'm'), c('x', 'base'), c('m', 'base'), c('base')];
    expect(findCommitsContaining(log, 'm')).toEqual(['m2', 'side', 'm']);
    expect(findCommitsContaining(log, 'unknown')).toEqual(['unknown']);
  });
});

describe('setHold', () => {
  const hold = { reason: 'rolled back 1.3.0: "bad" deploy', by: 'alice', since: '2026-11-27T09:00:00Z' };

  it('adds a hold as the last entry of a block mapping, keeping comments and everything else', () => {
    const before = [
      '# ferry config',
      'environments:',
      '  prod: { branch: main }',
      'apps:',
      '  web:',
      '    image: ghcr.io/acme/web',
      '    environments:',
      '      prod:',
      '        files:',
      '          - envs/prod/web.yaml   # the deployment',
      '',
      '  api:',
      '    image: ghcr.io/acme/api',
      '    environments:',
      '      prod:',
      '        files: [envs/prod/api.yaml]',
      '',
    ].join('\n');
    const after = setHold(before, 'web', 'prod', hold);
    expect(after).toBe(before.replace('# the deployment\n', '# the deployment\n        hold: { reason: "rolled back 1.3.0: \\"bad\\" deploy", by: "alice", since: "2026-11-27T09:00:00Z" }\n'));
  });

  it('adds to a flow mapping and replaces an existing hold', () => {
    const before = 'environments:\n  prod: {}\napps:\n  web:\n    image: a/web\n    environments:\n      prod: { files: [p.yaml] }\n';
    const added = setHold(before, 'web', 'prod', { reason: 'r1' });
    expect(added).toBe('environments:\n  prod: {}\napps:\n  web:\n    image: a/web\n    environments:\n      prod: { files: [p.yaml], hold: { reason: "r1" } }\n');
    expect(setHold(added, 'web', 'prod', { reason: 'r2', by: 'bob' })).toBe(added.replace('{ reason: "r1" }', '{ reason: "r2", by: "bob" }'));
    expect(setHold('environments:\n  prod: {}\napps:\n  web:\n    image: a/web\n    environments:\n      prod:\n        files: [p.yaml]\n        hold: true\n', 'web', 'prod', { reason: 'r' }))
      .toContain('        hold: { reason: "r" }\n');
  });

  it('names a missing app or environment', () => {
    expect(() => setHold('environments: {}\napps: {}\n', 'web', 'prod', { reason: 'r' })).toThrow('ferry.yaml has no mapping apps.web.environments.prod');
  });
});
