import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectNoSecrets } from './expect-no-secrets.js';
import { findSecrets, maskSecrets } from './find-secrets.js';
import { TEST_GIT_PASSWORD, TEST_GITHUB_TOKEN, TEST_SECRETS } from './test-secrets.js';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from('{"iss":"4242","exp":1}').toString('base64url')}.c2lnbmF0dXJlc2lnbmF0dXJl`;
const kinds = (text: string) => findSecrets(text).map((f) => f.kind);

describe('findSecrets', () => {
  it.each([
    ['a GitHub PAT', `push failed with ghp_${'a1'.repeat(18)}`, 'github-token'],
    ['an installation token', `token ghs_${'Z'.repeat(36)}`, 'github-token'],
    ['a short fake token', 'GITHUB_TOKEN=ghs_testtoken01234 set', 'github-token'],
    ['a fine-grained PAT', `github_pat_11ABCDEFG0_${'x'.repeat(40)}`, 'github-token'],
    ['a whole PEM key', `key:\n${privateKey}`, 'private-key'],
    ['a PEM key cut short', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r', 'private-key'],
    ['a PGP secret key', '-----BEGIN PGP PRIVATE KEY BLOCK-----', 'private-key'],
    ['base64 PEM (kubeconfig client-key-data)', `client-key-data: ${Buffer.from(privateKey).toString('base64')}`, 'private-key-base64'],
    ['a JWT', `app jwt ${jwt} expired`, 'jwt'],
    ['a password in a URL', 'fetch http://ci:pa55word@127.0.0.1:4000/acme/x.git failed', 'url-credentials'],
    ['a token in a URL', 'https://x-access-token:abc123def@github.com/a/b', 'url-credentials'],
    ['a bearer header', 'authorization: Bearer abc.def.ghi', 'authorization-header'],
    ['a basic header in JSON', '{"Authorization":"Basic Y2k6czNjcmV0"}', 'authorization-header'],
    ['a registered password', `git said: ${TEST_GIT_PASSWORD} is wrong`, 'registered-secret'],
  ])('finds %s', (_what, text, kind) => {
    expect(kinds(text)).toContain(kind);
  });

  it.each([
    ['redacted URL credentials', 'https://x-access-token:***@github.com/acme/config.git'],
    ['redacted headers', 'authorization: Bearer ***; Authorization: Basic ***; authorization: token ***'],
    ['a challenge', 'www-authenticate: Basic realm="ferry-test-git", Bearer realm="ferry-test-git"'],
    ['a public key', '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----'],
    ['a token prefix alone', 'tokens start with ghp_ or ghs_; redacted: ***'],
    ['commit ids and digests', `sha256:${'c'.repeat(64)} ${'a'.repeat(40)}`],
    ['a URL with a user only', 'ssh://git@github.com/acme/x.git'],
  ])('finds nothing in %s', (_what, text) => {
    expect(findSecrets(text)).toEqual([]);
  });

  it('masks the secret in the excerpt, even where it straddles the excerpt edge', () => {
    const text = `${'x'.repeat(100)} ${TEST_GITHUB_TOKEN} and then, some lines later, a password ${TEST_GIT_PASSWORD} ${'y'.repeat(100)}`;
    const findings = findSecrets(text);
    expect(findings.map((f) => f.kind)).toEqual(['github-token', 'registered-secret']);
    for (const f of findings) {
      expect(f.excerpt.includes(TEST_GITHUB_TOKEN)).toBe(false);
      expect(f.excerpt.includes(TEST_GIT_PASSWORD)).toBe(false);
    }
    // The token starts more than 60 characters before the password and ends within 60: it straddles the second excerpt's edge.
    expect(findings[1]!.excerpt).toMatch(/^…<github-token> and then, some lines later, a password <registered-secret>/);
    expect(maskSecrets(text)).toBe(`${'x'.repeat(100)} <github-token> and then, some lines later, a password <registered-secret> ${'y'.repeat(100)}`);
  });

  it('knows every registered secret', () => {
    for (const secret of TEST_SECRETS) expect(findSecrets(`>${secret}<`).length, `registered secret #${TEST_SECRETS.indexOf(secret)}`).toBeGreaterThan(0);
  });

  it('expectNoSecrets names the place and never quotes the secret', () => {
    expect(() => expectNoSecrets({ status: { message: `auth with ${TEST_GITHUB_TOKEN}` } }, 'Sync status')).toThrow(/secret leaked in Sync status:\n {2}github-token: .*<github-token>/);
    const message = (() => { try { expectNoSecrets(`x ${TEST_GITHUB_TOKEN}`, 'here'); return ''; } catch (e) { return (e as Error).message; } })();
    expect(message.includes(TEST_GITHUB_TOKEN)).toBe(false);
    expect(() => expectNoSecrets('all clean: https://x-access-token:***@github.com', 'stdout')).not.toThrow();
  });
});
