import { FerryError } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import { decodeManifestText, firstInvalidUtf8 } from '../render/decode-text.js';
import { parseManifests } from '../render/parse-manifests.js';
import { MANIFEST_CASES } from './manifests.corpus.js';

/** What render-source does with a plain-mode file: strict UTF-8, then parse. */
function render(path: string, bytes: Uint8Array) {
  return parseManifests([{ path, content: decodeManifestText(path, bytes) }]);
}

describe(`manifest files: ${MANIFEST_CASES.length} malformed files`, () => {
  it.each(MANIFEST_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    let error: unknown;
    try {
      render('apps/web/bad.yaml', c.bytes);
    } catch (err) {
      error = err;
    }
    expect(error, 'rendered instead of refusing').toBeInstanceOf(FerryError);
    const ferry = error as FerryError;
    expect(ferry.code).toBe(c.code);
    expect(ferry.message).toContain(c.says);
    expect(ferry.file).toBe('apps/web/bad.yaml');
    expect(ferry.line).toBe(c.line);
    expect(ferry.hint).toBeTruthy();
  });

  it('the strict decoder agrees with TextDecoder on where UTF-8 breaks, and accepts what it accepts', () => {
    const samples = [[0x61, 0xe9, 0x62], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xef, 0xbb, 0xbf, 0x61]];
    for (const bytes of samples) {
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8(new Uint8Array(bytes)) === bytes.length, String(bytes)).toBe(valid);
    }
  });

  it('merge keys (<<) and a BOM are read as kubectl reads them', () => {
    const objects = render('a.yaml', new TextEncoder().encode('\uFEFFbase: &b {apiVersion: v1, kind: ConfigMap}\n<<: *b\nmetadata: {name: merged}\n'));
    expect(objects[0]?.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'merged' } });
  });
});
