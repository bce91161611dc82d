/**
 * Pure: which renderers exist, in the order `render: auto` asks them to claim a directory, and the
 * binary each one runs. The Sync schema's `render` enum, the CRD's (checked by a test), the CLI's
 * `--render` choices and its tool flags (`--kubectl`, `--helm`) all come from this table; the
 * implementations are registered by the same names in adapters/renderers/index.ts, which the
 * compiler holds to exactly these keys.
 */
export const RENDERER_CATALOG = {
  /** Plain YAML/JSON files; claims nothing (the fallback of `auto`) and runs no binary. */
  plain: { tool: undefined },
  kustomize: { tool: 'kubectl' },
  helm: { tool: 'helm' },
} as const satisfies Record<string, { tool: string | undefined }>;

export type RendererName = keyof typeof RENDERER_CATALOG;
export const rendererNames = Object.keys(RENDERER_CATALOG) as RendererName[];

/** `spec.render` / `--render`: `auto` (detect from the directory) or a renderer's name. */
export const renderModes = ['auto', ...rendererNames] as ['auto', ...RendererName[]];

/** A binary a renderer runs: `--NAME PATH` on the command line, `FERRY_NAME` in the environment. */
export type RenderToolName = NonNullable<(typeof RENDERER_CATALOG)[RendererName]['tool']>;
export const renderToolNames: RenderToolName[] = [...new Set(rendererNames.map((name) => RENDERER_CATALOG[name].tool).filter((tool) => tool !== undefined))];
