// Property-based fuzzing of the image reference parser beyond the round trip of generated valid
// references (image-reference.test.ts): arbitrary and mutated inputs never crash it with anything
// but a FerryError, whatever it accepts formats back to the same text, and normalisation never
// matches one repository by another's prefix.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors.js';
import {
  explainInvalidReference, formatImageReference, isSameRepository, normalizeRepository, parseImageReference, tryParseImageReference,
} from '../image-reference.js';

const CODES = ['input.invalid-reference', 'input.invalid-tag', 'input.invalid-digest'];

/** Parses; a refusal must be a FerryError with a reference code and a message quoting the input. */
function parseOrRefuse(text: string): ReturnType<typeof parseImageReference> | undefined {
  try {
    return parseImageReference(text);
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect(CODES).toContain((err as FerryError).code);
    expect((err as FerryError).message.length).toBeGreaterThan(0);
    return undefined;
  }
}

function checkConsistent(text: string): void {
  const parsed = parseOrRefuse(text);
  expect(tryParseImageReference(text)).toEqual(parsed);
  expect(explainInvalidReference(text) === undefined).toBe(parsed !== undefined);
  if (!parsed) return;
  // parse . format is the identity on accepted text, and format . parse on the parsed value.
  expect(formatImageReference(parsed)).toBe(text);
  expect(parseImageReference(formatImageReference(parsed))).toEqual(parsed);
  const repository = normalizeRepository(parsed);
  expect(normalizeRepository(repository)).toBe(repository);
}

// Text that looks like references: the characters the grammar cares about, over-represented.
const refChar = fc.constantFrom(...'abcxyz019AZ./:@-_'.split(''), 'sha256:', 'a'.repeat(64), 'localhost', 'ghcr.io', ' ', '\u0000', 'é');
const refLike = fc.array(refChar, { maxLength: 24 }).map((parts) => parts.join(''));
const valid = fc.constantFrom(
  'nginx', 'nginx:1.27', 'ghcr.io/acme/web:1.4.2', 'localhost:5000/a/b', `quay.io/x/y@sha256:${'b'.repeat(64)}`,
  `docker.io/library/redis:7@sha256:${'c'.repeat(64)}`, 'registry.example.com:443/team/app__x-y.z:v1_2',
);

describe('image reference parser fuzzing', () => {
  it('arbitrary strings (full Unicode): a reference or a FerryError, consistent across the three entry points', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), checkConsistent), { numRuns: 1000 });
  });

  it('arbitrary bytes decoded as UTF-8 and Latin-1: never a crash', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      checkConsistent(Buffer.from(bytes).toString('utf8'));
      checkConsistent(Buffer.from(bytes).toString('latin1'));
    }), { numRuns: 1000 });
  });

  it('reference-like text built from the grammar\'s own characters', () => {
    fc.assert(fc.property(refLike, checkConsistent), { numRuns: 1500 });
  });

  it('one character inserted, deleted or replaced in a valid reference: still consistent', () => {
    fc.assert(fc.property(valid, fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      (ref, at, op, ch) => {
        const i = at % (ref.length + 1);
        const mutated = op === 'insert' ? ref.slice(0, i) + ch + ref.slice(i) : op === 'delete' ? ref.slice(0, i) + ref.slice(i + 1) : ref.slice(0, i) + ch + ref.slice(i + 1);
        checkConsistent(mutated);
      }), { numRuns: 1000 });
  });

  it('never matches a repository by its prefix or a longer path', () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(fc.property(fc.constantFrom('', 'ghcr.io/', 'localhost:5000/', 'docker.io/'), fc.array(component, { minLength: 1, maxLength: 3 }), component,
      fc.constantFrom('-', '_', '.', '/', '__'), (domain, parts, extra, sep) => {
        const name = domain + parts.join('/');
        fc.pre(tryParseImageReference(name) !== undefined && tryParseImageReference(name + sep + extra) !== undefined);
        expect(isSameRepository(name, name + sep + extra)).toBe(false);
        expect(isSameRepository(name, name)).toBe(true);
      }), { numRuns: 1000 });
  });
});
