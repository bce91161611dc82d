import { FerryError } from '@ferry/manifest-model';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { RenderedObject } from '../../plan/kube-object.js';
import { decodeManifestText } from '../../render/decode-text.js';
import { parseManifestFile, parseManifests } from '../../render/parse-manifests.js';
import type { HelmOptions, RenderMode } from '../../sync/sync-spec.js';
import { materializeFiles, type GitSource } from '../git-source.js';
import { runTool } from './run-tool.js';

/** Paths of the real binaries; the app reads them from flags or the environment. */
export interface RenderTools {
  kubectl?: string;
  helm?: string;
}

export interface RenderInput {
  source: GitSource;
  url: string;
  commit: string;
  path: string;
  mode: RenderMode;
  helm?: HelmOptions | undefined;
  /** Namespace Helm renders into (`--namespace`). */
  namespace?: string | undefined;
  tools: RenderTools;
  /** Parent for the temporary directory kustomize and helm read from. */
  tmpDir: string;
}

export interface RenderResult {
  mode: Exclude<RenderMode, 'auto'>;
  objects: RenderedObject[];
}

const manifestFile = /\.(ya?ml|json)$/i;
const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/**
 * Renders the manifests at `path` of `commit`. Plain YAML is read straight from the object store;
 * kustomize and Helm need files on disk, so only then is the commit's tree written to a temp dir
 * (removed afterwards). Any failure throws a FerryError naming file and line where the tool says.
 */
export async function renderSource(input: RenderInput): Promise<RenderResult> {
  const top = await input.source.readFiles(input.url, input.commit, input.path, (p) => posix.dirname(p) === (input.path || '.'));
  const names = new Set(top.map((f) => posix.basename(f.path)));
  const mode = input.mode === 'auto' ? detectMode(names) : input.mode;
  if (mode === 'plain') {
    const files = await input.source.readFiles(input.url, input.commit, input.path, (p) => manifestFile.test(p) && !isHidden(p));
    const objects = parseManifests(files.sort((a, b) => a.path.localeCompare(b.path)).map((f) => ({ path: f.path, content: decodeManifestText(f.path, f.content) })));
    return { mode, objects };
  }
  const dir = await mkdtemp(join(input.tmpDir, 'ferry-render-'));
  try {
    // Kustomize overlays reference bases anywhere in the repository, so the whole tree is written.
    await materializeFiles(dir, await input.source.readFiles(input.url, input.commit, ''));
    const objects = mode === 'kustomize' ? await renderKustomize(input, dir) : await renderHelm(input, dir);
    return { mode, objects };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function detectMode(fileNames: ReadonlySet<string>): Exclude<RenderMode, 'auto'> {
  if (kustomizationFiles.some((n) => fileNames.has(n))) return 'kustomize';
  if (fileNames.has('Chart.yaml')) return 'helm';
  return 'plain';
}

function isHidden(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.'));
}

async function renderKustomize(input: RenderInput, dir: string): Promise<RenderedObject[]> {
  const kubectl = requireTool(input.tools.kubectl, 'kubectl', 'kustomize');
  const target = input.path || '.';
  const result = await runTool(kubectl, ['kustomize', target], { cwd: dir, env: toolEnv(dir) });
  if (result.code !== 0) throw toolError('render.kustomize', 'kustomize', result.stderr, dir, target);
  return parseManifestFile({ path: `${target} (kustomize output)`, content: result.stdout });
}

async function renderHelm(input: RenderInput, dir: string): Promise<RenderedObject[]> {
  const helm = requireTool(input.tools.helm, 'helm', 'helm');
  const chart = input.helm?.chart ?? input.path ?? '.';
  const args = ['template', input.helm?.releaseName ?? (posix.basename(chart) || 'release'), chart || '.'];
  if (input.namespace) args.push('--namespace', input.namespace);
  for (const values of input.helm?.valuesFiles ?? []) args.push('--values', values);
  const result = await runTool(helm, args, { cwd: dir, env: toolEnv(dir) });
  if (result.code !== 0) throw toolError('render.helm', 'helm template', result.stderr, dir, chart);
  return attributeHelmSources(result.stdout, chart);
}

/** `helm template` marks each document with `# Source: <chart>/templates/x.yaml`; keep that as the file. */
function attributeHelmSources(output: string, chart: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const chunk of output.split(/^---\s*$/m)) {
    const source = /^# Source: [^/]+\/(.+)$/m.exec(chunk)?.[1];
    const file = source ? posix.join(chart, source) : `${chart} (helm output)`;
    objects.push(...parseManifestFile({ path: file, content: chunk }).map((o) => ({ object: o.object, source: { file, line: o.source?.line ?? 1 } })));
  }
  return objects;
}

function requireTool(path: string | undefined, name: string, mode: string): string {
  if (!path) throw new FerryError('render.tool-missing', `rendering with ${mode} needs the ${name} binary`, { hint: `pass --${name} <path> (or FERRY_${name.toUpperCase()})` });
  return path;
}

/** A clean environment: no user config, caches inside the temp dir, never the network. */
function toolEnv(dir: string): Record<string, string> {
  return {
    HOME: dir,
    HELM_CACHE_HOME: join(dir, '.helm/cache'),
    HELM_CONFIG_HOME: join(dir, '.helm/config'),
    HELM_DATA_HOME: join(dir, '.helm/data'),
    KUBECONFIG: join(dir, '.kube-none'),
  };
}

/** Turns tool stderr into a FerryError, pointing at the repository file and line when it names one. */
export function toolError(code: string, tool: string, stderr: string, dir: string, target: string): FerryError {
  const text = stderr.split(dir + '/').join('').split(dir).join('.').trim();
  const message = text.replace(/^Error:\s*/i, '').split('\n').slice(0, 6).join('\n');
  const template = /(?:^|\s)[^/\s:]+\/(templates\/\S+?\.(?:ya?ml|tpl|txt|json)):(\d+)/m.exec(text);
  const yamlOn = /(?:parse error on|error on) [^/\s]+\/(\S+?):.*?line (\d+)/.exec(text);
  const kustomizeFile = /(?:in File|from|file) '?([\w./-]+\.ya?ml)'?/i.exec(text);
  const line = /line (\d+)/.exec(text)?.[1];
  let file = target;
  let at: number | undefined = line ? Number(line) : undefined;
  if (template) {
    file = posix.join(target, template[1] ?? '');
    at = Number(template[2]);
  } else if (yamlOn) {
    file = posix.join(target, yamlOn[1] ?? '');
    at = Number(yamlOn[2]);
  } else if (kustomizeFile?.[1]) {
    const named = kustomizeFile[1];
    file = named.startsWith(target + '/') || target === '.' ? named : posix.join(target, named);
  }
  return new FerryError(code, `${tool} failed: ${message}`, { file, ...(at !== undefined ? { line: at } : {}), hint: 'fix the source; nothing was applied or pruned' });
}
