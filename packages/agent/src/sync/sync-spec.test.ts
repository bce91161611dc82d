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

describe('spec.helm: oci:// charts', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  it('takes an oci:// chart with a version and an optional digest, rendered with helm', () => {
    const spec = parseSyncSpec({ url: 'https://x/y', helm: { chart: 'oci://ghcr.io/acme/charts/web', version: '1.2.3', digest } }, 'x');
    expect(spec.helm).toMatchObject({ chart: 'oci://ghcr.io/acme/charts/web', version: '1.2.3', digest });
    expect(parseSyncSpec({ url: 'https://x/y', render: 'helm', helm: { chart: 'oci://127.0.0.1:5000/web', version: '0.1.0-rc.1' } }, 'x').helm?.chart).toBe('oci://127.0.0.1:5000/web');
  });
  it.each([
    [{ chart: 'oci://ghcr.io/acme/web' }, 'spec.helm.version: required with an oci:// chart'],
    [{ chart: 'charts/web', version: '1.0.0' }, 'spec.helm.version: only with an oci:// chart'],
    [{ chart: 'charts/web', digest }, 'spec.helm.digest: only with an oci:// chart'],
    [{ chart: 'oci://ghcr.io/acme/web', version: '^1.0.0' }, 'spec.helm.version: an exact chart version'],
    [{ chart: 'oci://ghcr.io/acme/web', version: '1.0.0', digest: 'sha256:abc' }, 'spec.helm.digest: sha256:'],
    [{ chart: 'oci://ghcr.io/acme/web:1.0.0', version: '1.0.0' }, 'spec.helm.chart: an OCI chart is oci://HOST'],
    [{ chart: 'oci://user:pw@ghcr.io/acme/web', version: '1.0.0' }, 'spec.helm.chart: an OCI chart is oci://HOST'],
    [{ chart: 'oci://ghcr.io/--plain-http', version: '1.0.0' }, 'spec.helm.chart: an OCI chart is oci://HOST'],
    [{ chart: 'oci://ghcr.io', version: '1.0.0' }, 'spec.helm.chart: an OCI chart is oci://HOST'],
  ])('%j: %s', (helm, says) => {
    expect(() => parseSyncSpec({ url: 'https://x/y', helm }, 'x')).toThrowError(expect.objectContaining({ code: 'sync.spec', message: expect.stringContaining(says) }));
  });
  it('an oci:// chart is refused with another renderer', () => {
    expect(() => parseSyncSpec({ url: 'https://x/y', render: 'kustomize', helm: { chart: 'oci://ghcr.io/acme/web', version: '1.0.0' } }, 'x'))
      .toThrowError(expect.objectContaining({ message: expect.stringContaining('spec.render: an oci:// chart (spec.helm.chart) renders with helm, not kustomize') }));
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
