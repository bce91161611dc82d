import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { canWritePlain, formatDoubleQuoted, formatScalarLike } from './yaml-scalar.js';

// Each of these reads as a non-string under YAML 1.1 (Helm, go-yaml v2) or the 1.2 core schema.
const AMBIGUOUS = [
  '1.10', '0.1', '.5', '1.', '+1', '-1', '42', '012', '0b101', '0x1F', '0o17', '1_000', '1e3', '1E-3', '1:20', '190:20:30.15',
  'y', 'Y', 'n', 'yes', 'Yes', 'NO', 'on', 'On', 'OFF', 'true', 'False', 'null', 'Null', '~', '', '.inf', '-.Inf', '.nan',
  '2024-10-10', '2001-12-14t21:59:43.10-05:00', '<<', '=',
];
// Tags people use that every reader takes as strings: these stay plain.
const PLAIN = ['1.2.3', 'v1.10', 'latest', '1.0.0-rc.1', 'sha-abc123', '2024.10.10', 'v20241010', '20241010-abc', 'main_1', '1.29.1-debian-12-r0'];

describe('canWritePlain', () => {
  it.each(AMBIGUOUS)('%j must be quoted', (value) => {
    expect(canWritePlain(value, false)).toBe(false);
    expect(formatScalarLike(value, 'PLAIN', false)).toBe(JSON.stringify(value));
  });
  it.each(PLAIN)('%j stays plain', (value) => {
    expect(canWritePlain(value, false)).toBe(true);
    expect(parse(`k: ${value}`, { version: '1.1' }).k).toBe(value);
  });
  it.each(['a: b', 'a #b', '- x', '#x', '*x', '&x', '!x', '|x', '>x', '%x', '@x', '`x', '"x', "'x", '{x', 'x:', ' x', 'x ', 'a\nb', '---x'])(
    '%j is not a valid plain scalar', (value) => expect(canWritePlain(value, false)).toBe(false),
  );
  it('is stricter inside flow collections', () => {
    expect(canWritePlain('a,b', false)).toBe(true);
    expect(canWritePlain('a,b', true)).toBe(false);
    expect(canWritePlain('ghcr.io/acme/web:1.0', true)).toBe(true);
  });
});

describe('formatScalarLike', () => {
  it('keeps quote styles', () => {
    expect(formatScalarLike('1.10', 'QUOTE_SINGLE', false)).toBe("'1.10'");
    expect(formatScalarLike("it's", 'QUOTE_SINGLE', false)).toBe("'it''s'");
    expect(formatScalarLike('v2', 'QUOTE_DOUBLE', false)).toBe('"v2"');
    expect(formatScalarLike('a\nb', 'QUOTE_SINGLE', false)).toBe('"a\\nb"');
  });
  it('escapes YAML 1.1 line breaks in double quotes', () => {
    expect(formatDoubleQuoted('a\u2028b')).toBe('"a\\u2028b"');
    expect(parse(`k: ${formatDoubleQuoted('a\u2028b\u0085')}`).k).toBe('a\u2028b\u0085');
  });
});
