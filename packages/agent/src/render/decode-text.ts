import { FerryError } from '@ferry/manifest-model';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * A manifest file's bytes as text. Bytes that are not UTF-8 are refused (`render.encoding`, with the
 * line) instead of being replaced by U+FFFD and applied: the cluster would get values nobody wrote.
 */
export function decodeManifestText(path: string, bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch (cause) {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    throw new FerryError('render.encoding', `not UTF-8 text: byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset} is not valid UTF-8`, {
      file: path, line, cause,
      hint: 'save the file as UTF-8 (or move binary files out of the synced path); nothing was applied or pruned',
    });
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    const b1 = bytes[i + 1] ?? 0;
    // Overlongs, surrogates and code points above U+10FFFF are invalid through the second byte's range.
    if (length >= 3) {
      const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
      const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
      if (b1 < low || b1 > high) return i;
    }
    for (let k = 1; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += length;
  }
  return bytes.length;
}
