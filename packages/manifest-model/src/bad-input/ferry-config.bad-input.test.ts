import { describe, expect, it } from 'vitest';
import { parseFerryConfig } from '../config/ferry-config.js';
import { FerryError } from '../errors.js';
import { CONFIG_CASES } from './ferry-config.corpus.js';

const escape = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe(`ferry.yaml: ${CONFIG_CASES.length} malformed files`, () => {
  it.each(CONFIG_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let error: unknown;
    try {
      parseFerryConfig(c.text, 'config/ferry.yaml');
    } catch (err) {
      error = err;
    }
    // Never a crash: every refusal is a FerryError that names the file and says how to fix it.
    expect(error, 'parseFerryConfig accepted it').toBeInstanceOf(FerryError);
    const ferry = error as FerryError;
    expect(ferry.code).toBe('config.invalid');
    expect(ferry.file).toBe('config/ferry.yaml');
    expect(ferry.message).toMatch(typeof c.says === 'string' ? escape(c.says) : c.says);
    expect(ferry.hint).toBeTruthy();
    if (c.line !== undefined) expect(ferry.line).toBe(c.line);
    expect(ferry.describe()).toMatch(/^config\/ferry\.yaml(:\d+)*: /);
  });
});
