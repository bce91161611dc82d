// App JWT verification: GitHub's checks on signature, issuer and the iat/exp window.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppAuthority } from './app-auth.js';
import type { ApiError } from './http-kit.js';

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const { privateKey, publicKey } = pair();
const now = 1_800_000_000;

function jwt(claims: Record<string, unknown>, key = privateKey, alg = 'RS256'): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${enc({ alg, typ: 'JWT' })}.${enc(claims)}`;
  return `${data}.${createSign('RSA-SHA256').update(data).sign(key).toString('base64url')}`;
}

function rejection(token: string): string {
  try {
    new AppAuthority({ appId: 42, publicKeyPem: publicKey }).verifyJwt(token, now);
  } catch (error) {
    return `${(error as ApiError).status} ${(error as ApiError).message}`;
  }
  return 'accepted';
}

describe('AppAuthority.verifyJwt', () => {
  it('accepts what @octokit/auth-app sends (iat 30 s back, exp 10 minutes after iat)', () => {
    expect(rejection(jwt({ iat: now - 30, exp: now + 570, iss: 42 }))).toBe('accepted');
    expect(rejection(jwt({ iat: now - 30, exp: now + 570, iss: '42' }))).toBe('accepted');
  });

  it('refuses a foreign signature, another algorithm, garbage', () => {
    expect(rejection(jwt({ iat: now, exp: now + 60, iss: 42 }, pair().privateKey))).toBe('401 A JSON web token could not be decoded');
    expect(rejection(jwt({ iat: now, exp: now + 60, iss: 42 }, privateKey, 'HS256'))).toBe('401 A JSON web token could not be decoded');
    expect(rejection('eyJhbGciOi.not.base64')).toBe('401 A JSON web token could not be decoded');
  });

  it('refuses expired, too long-lived, future-issued and foreign-issuer tokens', () => {
    expect(rejection(jwt({ iat: now - 700, exp: now - 1, iss: 42 }))).toMatch(/^401 'Expiration time' claim \('exp'\) must be a numeric value/);
    expect(rejection(jwt({ iat: now, exp: now + 3600, iss: 42 }))).toBe("401 'Expiration time' claim ('exp') is too far in the future");
    expect(rejection(jwt({ iat: now + 300, exp: now + 600, iss: 42 }))).toMatch(/^401 'Issued at' claim/);
    expect(rejection(jwt({ iat: now, exp: now + 60, iss: 43 }))).toBe('401 Integration not found');
  });

  it('issues installation tokens that expire after an hour', () => {
    const authority = new AppAuthority({ appId: 42, privateKeyPem: privateKey });
    const issued = authority.issueToken(1);
    expect(issued.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(authority.findToken(issued.token)).toEqual(issued);
    expect(Math.round((issued.expiresAt.getTime() - Date.now()) / 60_000)).toBe(60);
    expect(authority.findToken('ghs_unknown')).toBeNull();
  });
});
