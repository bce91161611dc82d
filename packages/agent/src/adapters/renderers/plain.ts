import { createHash } from 'node:crypto';
import type { RenderedObject } from '../../plan/kube-object.js';
import { decodeManifestText } from '../../render/decode-text.js';
import { parseManifestFile } from '../../render/parse-manifests.js';
import { RenderCache } from './render-cache.js';
import type { Renderer } from './renderer.js';

/**
 * Parsed files by path and content, per process: a commit that changes one file of 1,000 parses one
 * (parsing was half of a plain render's CPU). Frozen and bounded like the renders (render-cache.ts).
 */
const parsedFiles = new RenderCache();

function parseFile(path: string, content: string): readonly RenderedObject[] {
  const key = createHash('sha256').update(path).update('\0').update(content).digest('base64');
  const cached = parsedFiles.get(key);
  if (cached) return cached;
  const objects = parseManifestFile({ path, content });
  parsedFiles.set(key, objects);
  return objects;
}

const manifestFile = /\.(ya?ml|json)$/i;

/** Plain YAML and JSON under the path, read straight from the object store: nothing is written or run. */
export const plainRenderer: Renderer = {
  // The fallback of `render: auto`: a directory no other renderer claims is plain.
  detect: () => false,
  async render(request) {
    const files = await request.source.readFiles(request.url, request.commit, request.path, (p) => manifestFile.test(p) && !isHidden(p));
    return files.sort((a, b) => a.path.localeCompare(b.path)).flatMap((f) => parseFile(f.path, decodeManifestText(f.path, f.content)));
  },
};

function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}
