import { describe, expect, it } from 'vitest';
import { orderAgainstCurrent, parseBuildTime, parseLenientSemver, type BuildTimeRecord, type OrderedVersion } from './order-versions.js';
import type { VersionOrder } from '@ferry/manifest-model';

const RUN = '^main-[0-9a-f]+-(?<run>[0-9]+)$';
const recorded: BuildTimeRecord[] = [
  { tag: 'sha-cccc333', buildTime: '2025-03-01T10:02:00Z' },
  { tag: 'sha-aaaa111', digest: `sha256:${'a'.repeat(64)}`, buildTime: '2025-03-01T09:00:00Z' },
  // An older record of the same tag: the newest record wins.
  { tag: 'sha-cccc333', buildTime: '2020-01-01T00:00:00Z' },
];

describe('orderAgainstCurrent', () => {
  it.each<[string, VersionOrder | undefined, OrderedVersion, OrderedVersion[], string, RegExp?]>([
    ['default: semver tags', undefined, { tag: '1.10.0' }, [{ tag: '1.9.0' }], 'not-older'],
    ['default: an older semver tag', undefined, { tag: '1.2.0' }, [{ tag: 'v1.3' }], 'older', /1\.2\.0 is older than v1\.3/],
    ['default: Docker-style short versions are semver', undefined, { tag: '1.28-alpine' }, [{ tag: '1.27-alpine' }], 'not-older'],
    ['default: SHA tags are not guessed', undefined, { tag: 'sha-bbbb222' }, [{ tag: 'sha-cccc333' }], 'unordered', /cannot tell whether sha-bbbb222 is newer than sha-cccc333/],
    ['default: semver over a non-semver tag is not guessed either', undefined, { tag: '1.0.0' }, [{ tag: 'latest' }], 'unordered', /latest in place is not a semver version/],
    ['default: an all-digit SHA is not a version', undefined, { tag: '1234567' }, [{ tag: '1.0.0' }], 'unordered'],
    ['default: the same tag needs no order', undefined, { tag: 'sha-1', digest: 'sha256:x' }, [{ tag: 'sha-1' }], 'not-older'],
    ['default: a digest-only promotion', undefined, { digest: 'sha256:y' }, [{ tag: 'sha-1' }], 'not-older'],
    ['semver: a non-semver tag is refused', { by: 'semver' }, { tag: 'main' }, [{ tag: '1.0.0' }], 'unordered', /"main" is not a semver version/],
    ['semver: a non-semver tag in place is replaced', { by: 'semver' }, { tag: '1.0.0' }, [{ tag: 'latest' }], 'not-older'],
    ['numeric without pattern: the whole tag', { by: 'numeric' }, { tag: '99' }, [{ tag: '100' }], 'older', /99 is older than 100/],
    ['numeric: run numbers, not text order', { by: 'numeric', pattern: RUN }, { tag: 'main-ffff-10' }, [{ tag: 'main-aaaa-9' }], 'not-older'],
    ['numeric: a lower run', { by: 'numeric', pattern: RUN }, { tag: 'main-ffff-9' }, [{ tag: 'main-aaaa-10' }], 'older', /main-ffff-9 is older than main-aaaa-10/],
    ['numeric: numbers beyond 2^53 compare exactly', { by: 'numeric' }, { tag: '9007199254740993' }, [{ tag: '9007199254740992' }], 'not-older'],
    ['numeric: a tag the pattern does not match is refused', { by: 'numeric', pattern: RUN }, { tag: 'release-7' }, [{ tag: 'main-a-1' }], 'unordered', /"release-7" does not match/],
    ['build-time: newer than the recorded one', { by: 'build-time' }, { tag: 'sha-dddd444', buildTime: '2025-03-01T10:03:00Z' }, [{ tag: 'sha-cccc333' }], 'not-older'],
    ['build-time: older than the recorded one', { by: 'build-time' }, { tag: 'sha-bbbb222', buildTime: '2025-03-01T10:01:00Z' }, [{ tag: 'sha-cccc333' }], 'older', /sha-bbbb222 \(built 2025-03-01T10:01:00Z\) is older than sha-cccc333 \(built 2025-03-01T10:02:00Z\)/],
    ['build-time: offsets compare as instants', { by: 'build-time' }, { tag: 'sha-b', buildTime: '2025-03-01T11:01:00+01:00' }, [{ tag: 'sha-cccc333' }], 'older'],
    ['build-time: matched by digest', { by: 'build-time' }, { tag: 'sha-b', buildTime: '2025-03-01T08:00:00Z' }, [{ tag: 'renamed', digest: `sha256:${'a'.repeat(64)}` }], 'older'],
    ['build-time: no --build-time is refused', { by: 'build-time' }, { tag: 'sha-b' }, [{ tag: 'sha-cccc333' }], 'unordered', /has no build time \(pass --build-time/],
    ['build-time: an unrecorded version in place is replaced', { by: 'build-time' }, { tag: 'sha-b', buildTime: '2000-01-01T00:00:00Z' }, [{ tag: 'hand-edited' }], 'not-older'],
    ['build-time: orders digest-only promotions too', { by: 'build-time' }, { digest: 'sha256:z', buildTime: '2025-03-01T10:00:00Z' }, [{ tag: 'sha-cccc333' }], 'older'],
  ])('%s', (_name, order, candidate, current, outcome, message) => {
    const verdict = orderAgainstCurrent(order, candidate, current, recorded);
    expect(verdict.outcome).toBe(outcome);
    if (message) expect('message' in verdict ? verdict.message : '').toMatch(message);
  });

  it('says what it replaced without an order key', () => {
    expect(orderAgainstCurrent({ by: 'build-time' }, { tag: 'sha-b', buildTime: '2025-01-01T00:00:00Z' }, [{ tag: 'hand-edited' }], [])).toEqual({
      outcome: 'not-older', note: 'hand-edited in place has no recorded build time and is replaced',
    });
  });
});

describe('parseBuildTime', () => {
  it.each([
    ['2025-03-01T10:02:00Z', 1740823320000000000n],
    ['2025-03-01T11:02:00+01:00', 1740823320000000000n],
    ['2025-03-01t10:02:00.5z', 1740823320500000000n],
    ['2025-03-01T10:02:00.000000001Z', 1740823320000000001n],
  ])('%s', (text, ns) => expect(parseBuildTime(text)).toBe(ns));

  it.each(['2025-02-30T00:00:00Z', '2025-03-01 10:02:00Z', '2025-03-01T10:02:00', '2025-03-01T24:00:00Z', '2025-03-01T10:02:60Z', '1740823320', '2025-03-01T10:02:00+25:00', ''])('refuses %j', (text) => {
    expect(parseBuildTime(text)).toBeUndefined();
  });
});

describe('parseLenientSemver', () => {
  it('reads image-tag versions, not bare numbers', () => {
    expect(parseLenientSemver('v1.27')?.version).toBe('1.27.0');
    expect(parseLenientSemver('2024.01.05')).toBeNull(); // leading zeros are not semver numbers
    expect(parseLenientSemver('1.2.3-rc.1+b7')?.version).toBe('1.2.3-rc.1');
    expect(parseLenientSemver('7')).toBeNull();
    expect(parseLenientSemver('sha-1.2')).toBeNull();
  });
});
