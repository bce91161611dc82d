import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  explainInvalidDigest, explainInvalidTag, formatImageReference, isSameRepository, normalizeRepository, parseImageReference,
} from './image-reference.js';

const SHA = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['nginx', { name: 'nginx', path: 'nginx' }],
    ['nginx:1.25', { name: 'nginx', path: 'nginx', tag: '1.25' }],
    [`nginx@${SHA}`, { name: 'nginx', path: 'nginx', digest: SHA }],
    [`nginx:1.25@${SHA}`, { name: 'nginx', path: 'nginx', tag: '1.25', digest: SHA }],
    ['localhost:5000/a/b:v1', { name: 'localhost:5000/a/b', domain: 'localhost:5000', path: 'a/b', tag: 'v1' }],
    ['localhost/a', { name: 'localhost/a', domain: 'localhost', path: 'a' }],
    ['ghcr.io/acme/web-worker', { name: 'ghcr.io/acme/web-worker', domain: 'ghcr.io', path: 'acme/web-worker' }],
    ['[::1]:5000/x:y', { name: '[::1]:5000/x', domain: '[::1]:5000', path: 'x', tag: 'y' }],
    ['a__b/c.d-e--f:_t', { name: 'a__b/c.d-e--f', path: 'a__b/c.d-e--f', tag: '_t' }],
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    ['', 'input.invalid-reference', /empty/],
    ['Nginx', 'input.invalid-reference', /lower-case/],
    ['acme/Web', 'input.invalid-reference', /lower-case/],
    ['nginx:', 'input.invalid-tag', /empty/],
    ['nginx:-x', 'input.invalid-tag', /start with/],
    [`nginx:${'a'.repeat(129)}`, 'input.invalid-tag', /129 characters/],
    ['nginx@sha256:abc', 'input.invalid-digest', /64 hex digits, this one has 3/],
    [`nginx@sha256:${'A'.repeat(64)}`, 'input.invalid-digest', /lower-case/],
    ['nginx@md5', 'input.invalid-digest', /ALGORITHM:HEX/],
    ['a//b', 'input.invalid-reference', /path component/],
    ['a b', 'input.invalid-reference', /whitespace/],
    ['-host.io/a', 'input.invalid-reference', /registry host/],
  ])('rejects %j', (text, code, message) => {
    expect(() => parseImageReference(text)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it('accepts other digest algorithms per the grammar', () => {
    expect(explainInvalidDigest(`sha512:${'b'.repeat(128)}`)).toBeUndefined();
    expect(explainInvalidDigest(`multihash+base58:${'c'.repeat(32)}`)).toBeUndefined();
    expect(explainInvalidDigest(`sha512:${'b'.repeat(64)}`)).toMatch(/128/);
  });

  it('validates tags with a reason', () => {
    expect(explainInvalidTag('v1.2.3_rc-1')).toBeUndefined();
    expect(explainInvalidTag('v1+build')).toMatch(/contains "\+"/);
    expect(explainInvalidTag('.x')).toMatch(/start with/);
  });
});

describe('normalisation and equality', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['library/nginx', 'docker.io/library/nginx'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx'],
    ['acme/web', 'docker.io/acme/web'],
    ['ghcr.io/acme/web', 'ghcr.io/acme/web'],
    ['localhost:5000/web', 'localhost:5000/web'],
  ])('%s -> %s', (name, normal) => {
    expect(normalizeRepository(name)).toBe(normal);
  });

  it('never matches a prefix', () => {
    expect(isSameRepository('acme/web', 'acme/web-worker')).toBe(false);
    expect(isSameRepository('ghcr.io/acme/web', 'ghcr.io/acme/web/worker')).toBe(false);
    expect(isSameRepository('nginx', 'docker.io/library/nginx:1.2')).toBe(true);
    expect(isSameRepository('ghcr.io/nginx', 'nginx')).toBe(false);
  });
});

describe('round trip', () => {
  const component = fc.stringMatching(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/).filter((s) => s.length <= 30);
  const domain = fc.constantFrom(undefined, 'ghcr.io', 'localhost:5000', 'registry.example.com:443', 'quay.io');
  const tag = fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/), { nil: undefined });
  const digest = fc.option(fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`), { nil: undefined });
  it('formats back exactly what it parsed', () => {
    fc.assert(fc.property(domain, fc.array(component, { minLength: 1, maxLength: 3 }), tag, digest, (d, parts, t, g) => {
      // Without a registry, a first component with a "." would itself be read as a registry host.
      fc.pre(d !== undefined || parts.length === 1 || !parts[0]!.includes('.'));
      const name = [d, ...parts].filter(Boolean).join('/');
      const text = formatImageReference({ name, tag: t, digest: g });
      const parsed = parseImageReference(text);
      expect(formatImageReference(parsed)).toBe(text);
      expect(parsed.tag).toBe(t);
      expect(parsed.digest).toBe(g);
      expect(isSameRepository(parsed, name)).toBe(true);
    }));
  });
});
