import type { RenderedObject } from '../../plan/kube-object.js';
import type { RenderInput } from '../../ports.js';

export type { RenderInput, RenderTools } from '../../ports.js';

/**
 * The renderer contract. A renderer is one file in this folder, registered by its catalogue name
 * (render/renderer-catalog.ts) in index.ts. Everything that keeps a render safe is shared and not
 * the renderer's to repeat: path checks (repo-arguments.ts), the sandboxed checkout and tool runs
 * (render-checkout.ts: repo/ and home/ split, clean environment without network, no stdin,
 * process-group kill, timeouts, output limit, tool errors with file and line).
 */
export interface Renderer {
  /** For `render: auto`: claims a directory from the names of its top-level files. */
  detect(fileNames: ReadonlySet<string>): boolean;
  /** Renders the request's revision; throws a FerryError naming file and line where it can. */
  render(request: RenderRequest): Promise<RenderedObject[]>;
}

/** What a renderer gets: the port's input (ports.ts) with `path` already checked and normalised ('' is the root). */
export type RenderRequest = Omit<RenderInput, 'mode'>;
