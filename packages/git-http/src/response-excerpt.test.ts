import { describe, expect, it } from 'vitest';
import { describeStatusLine, excerptResponseBody } from './response-excerpt.js';

describe('excerptResponseBody', () => {
  it.each([
    ['one line', 'a\r\nb\n\tc\u2028d', 'a b c d'],
    ['HTML tags dropped', '<html><body><h1>Not found</h1></body></html>', 'Not found'],
    ['bidi and zero-width marks dropped', 'ok\u202edlrow\u200b', 'ok dlrow'],
    ['URL credentials', 'see https://bob:pa55word@git.example.com/x', 'see https://***@***/x'],
    ['key=value secrets', 'password=abc; "client_secret": "xyz" db_pass: q1', 'password=***; "client_secret": *** db_pass: ***'],
    ['tokens', `Bearer abcdefghijklmnop1234 ghp_${'a'.repeat(36)} AKIAIOSFODNN7EXAMPLE ${'Ab3'.repeat(12)}`, 'Bearer *** *** *** ***'],
    ['addresses and internal hosts', 'db at 10.0.0.7:5432, [fd00::1]:80, vault.svc, api.prod.example.com, localhost:8080', 'db at ***, ***, ***, ***, ***'],
    ['ordinary words and files stay', 'kustomization.yaml: apps/v1 Deployment web not ready (1.2.3)', 'kustomization.yaml: apps/v1 Deployment web not ready (1.2.3)'],
  ])('%s', (_name, body, expected) => {
    expect(excerptResponseBody(body)).toBe(expected);
  });

  it('cuts at 200 characters after redacting, so a secret is never shown in part', () => {
    const secret = `${'Zz9'.repeat(20)}`;
    const text = excerptResponseBody(`${'w '.repeat(95)}${secret} ${'tail '.repeat(100)}`);
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text.endsWith('…')).toBe(true);
    expect(text).not.toMatch(/Zz9/);
  });
});

describe('describeStatusLine', () => {
  it('cleans and cuts the reason phrase', () => {
    expect(describeStatusLine(500, 'Internal Server Error')).toBe('HTTP 500 Internal Server Error');
    expect(describeStatusLine(502)).toBe('HTTP 502');
    expect(describeStatusLine(500, `x\nfrom 10.1.2.3 ${'y'.repeat(80)}`).length).toBeLessThanOrEqual('HTTP 500 '.length + 40);
  });
});
