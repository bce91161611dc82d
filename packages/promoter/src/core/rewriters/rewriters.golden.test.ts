// Golden directories: __fixtures__/<case>/{case.json,input/,expected/}. Each case runs planSetImage
// over every file in input/ and must produce expected/ byte for byte (CRLF, BOM and a missing final
// newline included), report one change per changed value, and be a no-op when run again (the image
// still found, so a rename run twice exits 0, not 3). `change` may list several images.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planSetImage, type FileInput, type ImageChange } from '../set-image.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));

interface Case { description: string; change: ImageChange | ImageChange[]; error?: { code: string; file?: string; line?: number } }

function readTree(root: string): FileInput[] {
  const out: FileInput[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ path: relative(root, path), content: readFileSync(path, 'utf8') });
    }
  };
  walk(root);
  return out;
}

const cases = readdirSync(fixtures).filter((name) => statSync(join(fixtures, name)).isDirectory()).sort();

describe('set-image golden fixtures', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(30));

  it.each(cases)('%s', (name) => {
    const spec = JSON.parse(readFileSync(join(fixtures, name, 'case.json'), 'utf8')) as Case;
    const input = readTree(join(fixtures, name, 'input'));
    if (spec.error) {
      expect(() => planSetImage(input, spec.change)).toThrow(expect.objectContaining(spec.error));
      return;
    }
    const expected = readTree(join(fixtures, name, 'expected'));
    const plan = planSetImage(input, spec.change);
    expect(plan.found).toBe(true);
    const output = plan.files.map((f, i) => ({ path: f.path, content: f.newContent ?? input[i]!.content }));
    expect(output).toEqual(expected);
    // Unchanged files are reported as unchanged; changed ones list their changes at real lines.
    for (const [i, file] of plan.files.entries()) {
      expect(file.newContent === null).toBe(expected[i]!.content === input[i]!.content);
      expect(file.changes.length > 0).toBe(file.newContent !== null);
      const lines = (file.newContent ?? '').split('\n');
      for (const change of file.changes) {
        if (change.new !== '' && !change.new.startsWith('{')) expect(lines[change.line - 1]).toContain(change.new.replace(/"/g, '\\"'));
      }
    }
    // A second run changes nothing, and still finds every image.
    const again = planSetImage(expected, spec.change);
    expect(again.changed).toBe(false);
    expect(again.notFound).toEqual([]);
  });
});
