import { describe, expect, it } from 'vitest';
import { checkPolicy, compareTags, findNewerTag, type PolicyInput } from './check-policy.js';

const base: PolicyInput = { policy: {}, newTag: '1.4.2', currentTags: ['1.4.1'], onOlder: 'skip' };

describe('checkPolicy', () => {
  it.each<[string, Partial<PolicyInput>, string, string?]>([
    ['an upgrade with no policy', {}, 'allowed'],
    ['the same version (edits decide whether anything changes)', { currentTags: ['1.4.2'] }, 'allowed'],
    ['a hold', { hold: { reason: 'INC-1 rollback', by: 'alice' } }, 'refused', 'hold'],
    ['a tag outside the range', { policy: { semver: '<1.4.0' } }, 'refused', 'semver-range'],
    ['a tag inside the range', { policy: { semver: '^1.4' } }, 'allowed'],
    ['a non-semver tag under a range', { newTag: 'sha-abc', policy: { semver: '^1' } }, 'refused', 'not-semver'],
    ['a v-prefixed tag', { newTag: 'v1.4.2', policy: { semver: '^1.4' } }, 'allowed'],
    ['a prerelease outside the range', { newTag: '1.5.0-rc.1', policy: { semver: '^1.4' } }, 'refused', 'semver-range'],
    ['a tag matching no allow pattern', { policy: { allow: ['^2\\.'] } }, 'refused', 'not-allowed'],
    ['a tag matching an allow pattern', { policy: { allow: ['^2\\.', '^1\\.4'] } }, 'allowed'],
    ['a denied tag', { newTag: '1.4.2-debug', policy: { deny: ['-debug$'] } }, 'refused', 'denied'],
    ['an older build (late CI run)', { currentTags: ['1.5.0'] }, 'older'],
    ['an explicit downgrade', { currentTags: ['1.5.0'], onOlder: 'refuse' }, 'refused', 'downgrade'],
    ['a downgrade the policy allows', { currentTags: ['1.5.0'], policy: { allowDowngrade: true }, onOlder: 'refuse' }, 'allowed'],
    ['non-semver current tags and no order: Ferry does not guess', { currentTags: ['latest', 'sha-1'] }, 'refused', 'unordered'],
    ['a non-semver tag and no order', { newTag: 'sha-2' }, 'refused', 'unordered'],
    ['non-semver tags when the policy lets the last promotion win', { newTag: 'sha-2', currentTags: ['sha-1'], policy: { allowDowngrade: true } }, 'allowed'],
    ['a lower build number under order numeric', { newTag: '41', currentTags: ['42'], policy: { order: { by: 'numeric' } } }, 'older'],
    ['an earlier build time under order build-time', { newTag: 'sha-2', buildTime: '2025-01-01T00:00:00Z', currentTags: ['sha-1'], recorded: [{ tag: 'sha-1', buildTime: '2025-01-02T00:00:00Z' }], policy: { order: { by: 'build-time' } } }, 'older'],
    ['a digest-only promotion under a hold', { newTag: undefined, hold: { reason: 'freeze' } }, 'refused', 'hold'],
    ['a digest-only promotion', { newTag: undefined, policy: { semver: '^1' } }, 'allowed'],
  ])('%s', (_name, overrides, outcome, reason) => {
    const verdict = checkPolicy({ ...base, ...overrides });
    expect(verdict.outcome).toBe(outcome);
    if (reason) expect(verdict).toMatchObject({ reason });
  });

  it('says who holds and why', () => {
    const verdict = checkPolicy({ ...base, hold: { reason: 'rolled back 1.4.2', by: 'alice' } });
    expect(verdict).toMatchObject({ message: 'promotion is on hold by alice: rolled back 1.4.2' });
  });

  it('names the newer version in place', () => {
    expect(checkPolicy({ ...base, currentTags: ['1.3.0', '1.6.0', '1.5.0'] })).toMatchObject({ outcome: 'older', current: '1.6.0' });
  });
});

describe('tag order', () => {
  it('compares semver, treating v-prefix as the same and non-semver as lowest', () => {
    expect(compareTags('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareTags('v1.2.3', '1.2.3')).toBe(0);
    expect(compareTags('latest', '0.0.1')).toBeLessThan(0);
    expect(findNewerTag('1.2.3', ['1.2.3-rc.1', '1.2.3', undefined])).toBeUndefined();
    expect(findNewerTag('1.2.3-rc.1', ['1.2.3'])).toBe('1.2.3');
  });
});
