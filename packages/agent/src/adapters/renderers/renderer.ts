import type { RenderedObject } from '../../plan/kube-object.js';
import type { RenderToolName } from '../../render/renderer-catalog.js';
import type { HelmOptions, KustomizeOptions, RenderMode } from '../../sync/sync-spec.js';
import type { GitSource } from '../git-source.js';

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

/** Paths of the real binaries (`--kubectl`, `--helm`, ...); the app reads them from flags or the environment. */
export type RenderTools = { [Tool in RenderToolName]?: string } & {
  /** How long one tool run may take before it is killed (default 2 minutes). */
  timeoutMs?: number;
};

export interface RenderInput {
  source: GitSource;
  url: string;
  commit: string;
  path: string;
  mode: RenderMode;
  helm?: HelmOptions | undefined;
  kustomize?: KustomizeOptions | undefined;
  /** Namespace Helm renders into (`--namespace`). */
  namespace?: string | undefined;
  tools: RenderTools;
  /** Parent for the temporary directory tools read from. */
  tmpDir: string;
}

/** What a renderer gets: the input with `path` already checked and normalised ('' is the root). */
export type RenderRequest = Omit<RenderInput, 'mode'>;
