import { FerryError } from '@ferry/manifest-model';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RENDERER_CATALOG, type RendererName } from '../../render/renderer-catalog.js';
import { materializeFiles, type SourceFile } from '../git-source.js';
import type { RenderRequest } from './renderer.js';
import { renderToolEnv } from './render-tool-env.js';
import { defaultToolTimeoutMs, runTool } from './run-tool.js';
import { checkFinished, toolError } from './tool-error.js';

export interface CheckoutOptions {
  /** Give tools the network (kustomize with spec.kustomize.allowRemoteResources only). */
  allowNetwork: boolean;
}

/** One run of the renderer's binary (from the catalogue) inside a checkout. */
export interface ToolRun {
  renderer: RendererName;
  /** Arguments: every option in `--name=value` form, then `--`, then paths made with asArgument. */
  args: string[];
  /** The tool as messages name it (`kustomize`, `helm template`). */
  label: string;
  /** FerryError code when the tool exits non-zero. */
  errorCode: string;
  /** Repository path the messages point at when the tool names no file. */
  target: string;
}

export interface Checkout {
  /** Runs the tool with the repository as working directory; its stdout, or a FerryError. */
  run(tool: ToolRun): Promise<string>;
  /**
   * Writes a file of the agent's own (inline values, a tool shim) into the render's home, outside
   * the repository, so no file of the revision can stand in for it; returns its absolute path.
   */
  writeHomeFile(name: string, content: string, mode?: number): Promise<string>;
}

/** The whole revision: renderers that need files on disk write all of it (overlays reference bases anywhere). */
export function readTree(request: RenderRequest): Promise<SourceFile[]> {
  return request.source.readFiles(request.url, request.commit, '');
}

/**
 * Writes `tree` to <tmp>/ferry-render-XXXX/repo and hands `use` a Checkout whose tools run there,
 * removed afterwards. `../` past the repository's root finds only the render's own empty home,
 * never another Sync's checkout. Tools get that home, not the repository, so no file of the
 * repository can configure them (helm plugins, repositories, kubeconfig).
 */
export async function withCheckout<T>(request: RenderRequest, tree: readonly SourceFile[], options: CheckoutOptions, use: (checkout: Checkout) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(request.tmpDir, 'ferry-render-'));
  try {
    const repo = join(dir, 'repo');
    const home = join(dir, 'home');
    await mkdir(join(home, 'tmp'), { recursive: true });
    await materializeFiles(repo, tree);
    const env = renderToolEnv(home, options.allowNetwork);
    const timeoutMs = request.tools.timeoutMs;
    return await use({
      async writeHomeFile(name, content, mode = 0o600) {
        const path = join(home, 'ferry', name);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content, { mode });
        return path;
      },
      async run(tool) {
        const binary = requireTool(request, tool.renderer);
        const result = await runTool(binary, tool.args, { cwd: repo, env, timeoutMs: timeoutMs ?? defaultToolTimeoutMs });
        checkFinished(result, tool.label, timeoutMs, tool.target);
        if (result.code !== 0) throw toolError(tool.errorCode, tool.label, result.stderr, repo, tool.target);
        return result.stdout;
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function requireTool(request: RenderRequest, renderer: RendererName): string {
  const name = RENDERER_CATALOG[renderer].tool;
  if (name === undefined) throw new Error(`unreachable: the ${renderer} renderer runs no binary`);
  const path = request.tools[name];
  if (!path) throw new FerryError('render.tool-missing', `rendering with ${renderer} needs the ${name} binary`, { hint: `pass --${name} <path> (or FERRY_${name.toUpperCase()})` });
  return path;
}
