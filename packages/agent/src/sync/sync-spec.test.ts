import { describe, expect, it } from 'vitest';
import { normalizeRepoPath, parseDuration, parseSyncSpec } from './sync-spec.js';

describe('parseSyncSpec', () => {
  it('fills defaults', () => {
    const spec = parseSyncSpec({ url: 'https://git.example/acme/config.git', path: './apps/web/' }, 'Sync ns/x');
    expect(spec).toMatchObject({ ref: { branch: 'main' }, path: 'apps/web', render: 'auto', prune: true, allowEmpty: false, suspend: false, interval: '5m' });
  });
  it.each([
    [{ url: 'git@github.com:a/b.git' }, 'spec.url'],
    [{ url: 'https://x/y', ref: { branch: 'a', tag: 'b' } }, 'spec.ref'],
    [{ url: 'https://x/y', ref: { commit: 'abc' } }, 'spec.ref.commit'],
    [{ url: 'https://x/y', path: '../etc' }, 'spec.path'],
    [{ url: 'https://x/y', render: 'jsonnet' }, 'spec.render'],
    [{ url: 'https://x/y', interval: 'often' }, 'spec.interval'],
  ])('%j names %s', (spec, field) => {
    expect(() => parseSyncSpec(spec, 'Sync ns/x')).toThrowError(expect.objectContaining({ code: 'sync.spec', message: expect.stringContaining(field) }));
  });
});

describe('normalizeRepoPath (spec.path, helm.chart, helm.valuesFiles)', () => {
  // Issue 17, bug 11a: `spec.path: .` stalled with "does not exist".
  it.each([
    ['', ''], ['.', ''], ['./', ''], ['./x/', 'x'], ['x/.', 'x'], ['a//b/./c/', 'a/b/c'], ['./.github/x', '.github/x'], ['a-b/c-', 'a-b/c-'],
  ])('%j -> %j', (input, path) => {
    expect(normalizeRepoPath(input)).toEqual({ ok: true, path });
    expect(parseSyncSpec({ url: 'https://x/y', path: input }, 'x').path).toBe(path);
  });
  it.each([
    ['..', 'no ".."'], ['a/../..', 'no ".."'], ['a/..', 'no ".."'], ['/etc', 'relative'], ['-', 'start with "-"'], ['./-', 'start with "-"'],
    ['a/--set=x', 'start with "-"'], ['a\\b', '"\\"'], ['a\nb', 'control'], ['a\u0000b', 'control'],
  ])('%j is refused (%s)', (input, says) => {
    const checked = normalizeRepoPath(input);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? '' : checked.reason).toContain(says);
  });
});

describe('parseDuration', () => {
  it.each([['30s', 30_000], ['1m30s', 90_000], ['2h', 7_200_000], ['250ms', 250]])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
