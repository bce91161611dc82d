import { decodeManifestText } from '../../render/decode-text.js';
import { parseManifests } from '../../render/parse-manifests.js';
import type { Renderer } from './renderer.js';

const manifestFile = /\.(ya?ml|json)$/i;

/** Plain YAML and JSON under the path, read straight from the object store: nothing is written or run. */
export const plainRenderer: Renderer = {
  // The fallback of `render: auto`: a directory no other renderer claims is plain.
  detect: () => false,
  async render(request) {
    const files = await request.source.readFiles(request.url, request.commit, request.path, (p) => manifestFile.test(p) && !isHidden(p));
    return parseManifests(files.sort((a, b) => a.path.localeCompare(b.path)).map((f) => ({ path: f.path, content: decodeManifestText(f.path, f.content) })));
  },
};

function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}
