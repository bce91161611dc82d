import { describe, expect, it } from 'vitest';
import { FerryError, redactSecrets } from './errors.js';

describe('FerryError', () => {
  it('describes where and how to fix', () => {
    const err = new FerryError('yaml.invalid', 'bad indentation', { file: 'a.yaml', line: 3, column: 5, hint: 'indent with spaces' });
    expect(err.code).toBe('yaml.invalid');
    expect(err.describe()).toBe('a.yaml:3:5: bad indentation\n  hint: indent with spaces');
  });

  it('redacts credentials at construction', () => {
    const err = new FerryError('git.push', 'push to https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/a/b failed');
    expect(err.message).not.toContain('ghp_');
    expect(err.message).toContain('https://***@github.com/a/b');
  });
});

describe('redactSecrets', () => {
  it.each([
    ['Authorization: Bearer abc.def.ghi', 'Authorization: Bearer ***'],
    ['token github_pat_11ABCDEFGHIJKLMNOPQRSTUV_xyz', 'token ***'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', '***'],
    ['key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAA', 'key: ***'],
    ['{"Authorization":"Basic dXNlcjpwYXNzd29yZA=="}', '{"Authorization":"Basic ***"}'],
    ['jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0MjQyIn0.c2lnbmF0dXJl rest', 'jwt *** rest'],
    [`client-key-data: ${Buffer.from('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n-----END EC PRIVATE KEY-----\n').toString('base64')}`, 'client-key-data: ***'],
    [`certificate-authority-data: ${Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64')}`, `certificate-authority-data: ${Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64')}`],
  ])('%s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });
});
