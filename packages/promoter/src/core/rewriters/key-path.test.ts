import { describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { planSetImage } from '../set-image.js';

const plan = (content: string, key: string, tag = '1.10') => planSetImage([{ path: 'envs/prod/values.yaml', content }], { image: 'ghcr.io/acme/web', tag, key });

describe('--key writes only where a string or nothing is', () => {
  it.each([
    ['an integer', 'web:\n  image:\n    tag: 42\n', 'web.image.tag', 'envs/prod/values.yaml:3: --key web.image.tag in envs/prod/values.yaml holds the integer 42, not a string', '("42")'],
    ['a boolean', 'web:\n  enabled: true\n', 'web.enabled', 'envs/prod/values.yaml:2: --key web.enabled in envs/prod/values.yaml holds the boolean true, not a string', '("true")'],
    ['a float', 'tag: 1.9\n', 'tag', 'envs/prod/values.yaml:1: --key tag in envs/prod/values.yaml holds the float 1.9, not a string', '("1.9")'],
    ['a number in a sequence', 'list: [1, 2]\n', 'list.1', 'holds the integer 2', '("2")'],
  ])('refuses %s with file:line, the key and the type', (_name, content, key, says, hint) => {
    let caught: unknown;
    try {
      plan(content, key);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FerryError);
    expect((caught as FerryError).code).toBe('input.key-not-string');
    expect((caught as FerryError).describe()).toContain(says);
    expect((caught as FerryError).hint).toContain(hint);
  });

  it.each([
    ['null', 'web:\n  tag: null # pinned later\n', 'web:\n  tag: "1.10" # pinned later\n'],
    ['~', 'web:\n  tag: ~\n', 'web:\n  tag: "1.10"\n'],
    ['an empty value', 'web:\n  tag:\nnext: 1\n', 'web:\n  tag: "1.10"\nnext: 1\n'],
    ['a plain string', 'web:\n  tag: v1.9\n', 'web:\n  tag: "1.10"\n'],
    ['a quoted string that looks like a number', "web:\n  tag: '1.9'\n", "web:\n  tag: '1.10'\n"],
  ])('writes a tag like 1.10 into %s quoted, so it stays a string', (_name, content, expected) => {
    expect(plan(content, 'web.tag').files[0]!.newContent).toBe(expected);
  });
});
