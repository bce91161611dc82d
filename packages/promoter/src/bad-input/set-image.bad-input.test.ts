import { FerryError } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import { findImageOccurrences, planSetImage } from '../core/set-image.js';
import { SET_IMAGE_CASES, type SetImageCase } from './set-image.corpus.js';

function attempt(c: SetImageCase): { plan?: ReturnType<typeof planSetImage>; error?: unknown } {
  try {
    return { plan: planSetImage(c.files, c.change) };
  } catch (error) {
    return { error };
  }
}

describe(`set-image planner: ${SET_IMAGE_CASES.length} malformed or hostile inputs`, () => {
  it.each(SET_IMAGE_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { plan, error } = attempt(c);
    if (c.refused) {
      expect(plan, 'planned instead of refusing').toBeUndefined();
      expect(error).toBeInstanceOf(FerryError);
      const ferry = error as FerryError;
      expect(ferry.code).toBe(c.refused.code);
      expect(ferry.message).toContain(c.refused.says);
      if (c.refused.file) expect(ferry.file).toBe(c.refused.file);
      if (c.refused.line !== undefined) expect(ferry.line).toBe(c.refused.line);
      if (ferry.file) expect(ferry.describe()).toMatch(new RegExp(`^${ferry.file.replace('.', '\\.')}`));
      return;
    }
    expect(error, String(error instanceof FerryError ? error.describe() : error)).toBeUndefined();
    if (c.notFound) {
      expect(plan!.found).toBe(false);
      expect(plan!.changed).toBe(false);
      return;
    }
    const [input] = c.files;
    const out = plan!.files[0]!.newContent;
    expect(out).not.toBeNull();
    const before = input!.content.split('\n');
    const after = out!.split('\n');
    expect(after.length).toBe(before.length);
    const changed = before.flatMap((line, i) => (line === after[i] ? [] : [i + 1]));
    expect(changed).toEqual(c.edits);
    // It re-parses with the image at its target, and a second run changes nothing.
    const again = planSetImage([{ path: input!.path, content: out! }], c.change);
    expect(again.changed).toBe(false);
    const tag = c.change.tag;
    if (tag) for (const o of findImageOccurrences([{ path: input!.path, content: out! }], c.change.image)) expect(o.tag).toBe(tag);
  });
});
