import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import { explainInvalidReference, parseImageReference, tryParseImageReference } from '../image-reference.js';
import { REFERENCE_CASES } from './image-reference.corpus.js';

describe(`image references: ${REFERENCE_CASES.length} malformed inputs`, () => {
  it.each(REFERENCE_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let error: unknown;
    try {
      parseImageReference(c.input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FerryError);
    const ferry = error as FerryError;
    expect(ferry.code).toBe(c.code);
    expect(ferry.message).toMatch(typeof c.says === 'string' ? new RegExp(c.says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : c.says);
    // The message quotes what was given, so the user sees which value is wrong.
    expect(ferry.message).toContain('"');
    // The cheap paths agree with the throwing one.
    expect(tryParseImageReference(c.input)).toBeUndefined();
    expect(explainInvalidReference(c.input)).toBeDefined();
  });
});
