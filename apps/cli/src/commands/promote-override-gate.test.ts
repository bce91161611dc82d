import { describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { parsePromoteFlags } from './promote.js';

const base = ['--repo', 'acme/config', '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0'];

describe('--override-gate', () => {
  it('takes a one-line reason', () => {
    expect(parsePromoteFlags([...base, '--override-gate', 'hotfix for INC-7']).overrideGate).toBe('hotfix for INC-7');
  });

  it.each([
    ['empty', '', /--override-gate must be a reason of 1-200 characters/],
    ['surrounded by spaces', ' why ', /--override-gate must be a reason of 1-200 characters without leading or trailing spaces/],
    ['too long', 'x'.repeat(201), /\(got 201 characters\)/],
    ['a line break (a forged trailer)', 'ok\nFerry-Image: evil:1', /--override-gate contains the control character U\+000A at position 3/],
  ])('refuses a reason that is %s (exit 2 before anything is fetched)', (_name, reason, message) => {
    let error: unknown;
    try {
      parsePromoteFlags([...base, '--override-gate', reason]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).message).toMatch(message);
  });
});
