import { posix } from 'node:path';
import type { Renderer as RenderPort, RenderInput, RenderResult } from '../../ports.js';
import type { RendererName } from '../../render/renderer-catalog.js';
import { detectRenderer, RENDERERS } from './index.js';
import { isOciChart } from '../../sync/sync-spec.js';
import { checkedPath } from './repo-arguments.js';
import { RenderCache, renderCacheKey } from './render-cache.js';

export type { RenderInput, RenderResult, RenderTools } from '../../ports.js';

/** Per process: what the daemon rendered for a commit, reused by its next drift check of that commit. */
const plainRenders = new RenderCache();
export { renderToolEnv } from './render-tool-env.js';
export { toolError } from './tool-error.js';

/**
 * Renders the manifests at `path` of `commit` with the renderer `mode` names, or for `auto` the one
 * that claims the directory (index.ts). Plain YAML is read straight from the object store; renderers
 * that run a binary write the commit's tree to a temp dir first (removed afterwards). Any failure
 * throws a FerryError naming file and line where the tool says.
 */
export async function renderSource(input: RenderInput): Promise<RenderResult> {
  const path = checkedPath(input.path, 'spec.path');
  const key = renderCacheKey(input.url, input.commit, path, input.mode);
  const cached = plainRenders.get(key);
  // The caller fetched the commit with its own credentials before rendering (the reconcile's fetch step).
  if (cached) return { mode: 'plain', objects: [...cached] };
  // Listed even when the mode is given: a path that does not exist is refused the same way for every
  // mode. Only the names count (detection), so no blob is read here: `accept` sees each path before
  // its content is read and declines them all (1,000 files were read twice, here and by the renderer).
  const top = new Set<string>();
  await input.source.readFiles(input.url, input.commit, path, (p) => {
    if (posix.dirname(p) === (path || '.')) top.add(posix.basename(p));
    return false;
  });
  const { mode: requested, ...request } = input;
  // An oci:// chart has no Chart.yaml in the repository to be detected by: it is helm's.
  const mode = requested !== 'auto' ? requested : isOciChart(input.helm?.chart) ? 'helm' : detectRenderer(top);
  const objects = await RENDERERS[mode].render({ ...request, path });
  if (mode === 'plain') plainRenders.set(key, objects);
  return { mode, objects: [...objects] };
}

/** Which renderer `render: auto` picks for a directory with these top-level file names. */
export function detectMode(fileNames: ReadonlySet<string>): RendererName {
  return detectRenderer(fileNames);
}

/** renderSource as the reconcile's render port (ports.ts): the compiler keeps the two in step. */
export const sourceRenderer: RenderPort = { render: renderSource };
