import { rendererNames, type RendererName } from '../../render/renderer-catalog.js';
import { helmRenderer } from './helm.js';
import { kustomizeRenderer } from './kustomize.js';
import { plainRenderer } from './plain.js';
import type { Renderer } from './renderer.js';

/**
 * Every renderer by its catalogue name (render/renderer-catalog.ts). The type holds this map to
 * exactly the catalogue's names: a name without a renderer, or a renderer without a name, does not
 * compile. A new renderer: its file here, its line in the catalogue, its line here.
 */
export const RENDERERS: Readonly<Record<RendererName, Renderer>> = {
  plain: plainRenderer,
  kustomize: kustomizeRenderer,
  helm: helmRenderer,
};

/**
 * `render: auto`: the first renderer, in catalogue order, that claims the directory from the names
 * of its top-level files; plain (which claims nothing) otherwise.
 */
export function detectRenderer(fileNames: ReadonlySet<string>): RendererName {
  return rendererNames.find((name) => RENDERERS[name].detect(fileNames)) ?? 'plain';
}

export type { Renderer, RenderInput, RenderRequest, RenderTools } from './renderer.js';
