import { FerryError, findBadCharacter } from '@ferry/manifest-model';

/**
 * The largest file Ferry edits. Config files are kilobytes; anything this large is a mistake (a
 * generated dump, a binary) and would cost seconds of parsing for nothing.
 */
export const MAX_EDITABLE_BYTES = 4 * 1024 * 1024;

/**
 * Refuses a file Ferry could not write back byte for byte: too large, binary (control characters),
 * or decoded from bytes that are not UTF-8 (the decoder left U+FFFD in their place, so writing the
 * text back would replace them). Throws `input.file-too-large` or `input.not-text` with the line.
 */
export function assertEditableText(input: { path: string; content: string }): void {
  // UTF-16 length <= UTF-8 byte length, and UTF-8 bytes <= 3 x UTF-16 units: a cheap, safe bound first.
  const bytes = input.content.length * 3 > MAX_EDITABLE_BYTES ? Buffer.byteLength(input.content, 'utf8') : 0;
  if (bytes > MAX_EDITABLE_BYTES) {
    throw new FerryError('input.file-too-large', `${input.path} is ${(bytes / 1024 / 1024).toFixed(1)} MiB; Ferry edits files up to ${MAX_EDITABLE_BYTES / 1024 / 1024} MiB`, {
      file: input.path, hint: 'point Ferry at the values, kustomization or manifest file that holds the image; split generated files',
    });
  }
  const bad = findBadCharacter(input.content, { replacement: true });
  if (!bad) return;
  const what = bad.kind === 'control'
    ? `it contains the control character ${bad.codePoint}: a binary file, not YAML text`
    : 'it is not valid UTF-8 (bytes were replaced by U+FFFD while reading, or the file holds U+FFFD itself)';
  throw new FerryError('input.not-text', `cannot edit ${input.path}: ${what}`, {
    file: input.path, line: bad.line, column: bad.column,
    hint: bad.kind === 'control' ? 'name the YAML file that holds the image' : 'save the file as UTF-8; Ferry would otherwise change those bytes when writing it back',
  });
}
