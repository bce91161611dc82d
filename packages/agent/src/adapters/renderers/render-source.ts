import { FerryError } from '@ferry/manifest-model';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { RenderedObject } from '../../plan/kube-object.js';
import { checkKustomizations, kustomizationFileNames } from '../../render/check-kustomizations.js';
import { decodeManifestText } from '../../render/decode-text.js';
import { parseManifestFile, parseManifests } from '../../render/parse-manifests.js';
import { maxReleaseNameLength, normalizeRepoPath, releaseNamePattern, type HelmOptions, type KustomizeOptions, type RenderMode } from '../../sync/sync-spec.js';
import { materializeFiles, type GitSource, type SourceFile } from '../git-source.js';
import { defaultToolTimeoutMs, runTool, type ToolResult } from './run-tool.js';

/** Paths of the real binaries; the app reads them from flags or the environment. */
export interface RenderTools {
  kubectl?: string;
  helm?: string;
  /** How long one helm or kustomize run may take before it is killed (default 2 minutes). */
  timeoutMs?: number;
}

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
  /** Parent for the temporary directory kustomize and helm read from. */
  tmpDir: string;
}

export interface RenderResult {
  mode: Exclude<RenderMode, 'auto'>;
  objects: RenderedObject[];
}

const manifestFile = /\.(ya?ml|json)$/i;
const kustomizationFiles: readonly string[] = kustomizationFileNames;

/**
 * Renders the manifests at `path` of `commit`. Plain YAML is read straight from the object store;
 * kustomize and Helm need files on disk, so only then is the commit's tree written to a temp dir
 * (removed afterwards). Any failure throws a FerryError naming file and line where the tool says.
 */
export async function renderSource(input: RenderInput): Promise<RenderResult> {
  const path = checkedPath(input.path, 'spec.path');
  const top = await input.source.readFiles(input.url, input.commit, path, (p) => posix.dirname(p) === (path || '.'));
  const names = new Set(top.map((f) => posix.basename(f.path)));
  const mode = input.mode === 'auto' ? detectMode(names) : input.mode;
  if (mode === 'plain') {
    const files = await input.source.readFiles(input.url, input.commit, path, (p) => manifestFile.test(p) && !isHidden(p));
    const objects = parseManifests(files.sort((a, b) => a.path.localeCompare(b.path)).map((f) => ({ path: f.path, content: decodeManifestText(f.path, f.content) })));
    return { mode, objects };
  }
  // Checked before anything is written or run: the arguments, and what kustomizations reference.
  const helm = mode === 'helm' ? checkedHelm(input, path) : undefined;
  const tree = await input.source.readFiles(input.url, input.commit, '');
  const allowRemote = input.kustomize?.allowRemoteResources === true;
  if (mode === 'kustomize') checkKustomizations(textFiles(tree), path, { allowRemote });
  // The checkout goes to <tmp>/ferry-render-XXXX/repo: `../` past its root finds only the render's
  // own empty home, never another Sync's checkout. Tools get that home, not the repository, so no
  // file of the repository can configure them (helm plugins, repositories, kubeconfig).
  const dir = await mkdtemp(join(input.tmpDir, 'ferry-render-'));
  try {
    const repo = join(dir, 'repo');
    const home = join(dir, 'home');
    await mkdir(home, { recursive: true });
    // Kustomize overlays reference bases anywhere in the repository, so the whole tree is written.
    await materializeFiles(repo, tree);
    const env = renderToolEnv(home, allowRemote && mode === 'kustomize');
    const objects = mode === 'kustomize' ? await renderKustomize(input, path, repo, env) : await renderHelm(input, helm as CheckedHelm, repo, env);
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

async function renderKustomize(input: RenderInput, path: string, repo: string, env: Record<string, string>): Promise<RenderedObject[]> {
  const kubectl = requireTool(input.tools.kubectl, 'kubectl', 'kustomize');
  const target = path || '.';
  // Flags are explicit so nothing in the repository can turn them off: files only from inside each
  // kustomization's root, no plugins, no helm charts. `--` ends the options.
  const args = ['kustomize', '--load-restrictor=LoadRestrictionsRootOnly', '--enable-alpha-plugins=false', '--enable-helm=false', '--', asArgument(path)];
  const result = await runTool(kubectl, args, { cwd: repo, env, timeoutMs: input.tools.timeoutMs ?? defaultToolTimeoutMs });
  checkFinished(result, 'kustomize', input.tools.timeoutMs, target);
  if (result.code !== 0) throw toolError('render.kustomize', 'kustomize', result.stderr, repo, target);
  return parseManifestFile({ path: `${target} (kustomize output)`, content: result.stdout });
}

interface CheckedHelm {
  chart: string;
  releaseName: string;
  valuesFiles: string[];
  namespace: string | undefined;
}

/** Defence in depth: the Sync schema refuses these already; a caller that skipped it is refused here. */
function checkedHelm(input: RenderInput, path: string): CheckedHelm {
  const chart = input.helm?.chart !== undefined ? checkedPath(input.helm.chart, 'spec.helm.chart') : path;
  const releaseName = input.helm?.releaseName ?? (posix.basename(chart) || 'release');
  if (releaseName.length > maxReleaseNameLength || !releaseNamePattern.test(releaseName)) {
    throw new FerryError('render.helm-release-name', `"${releaseName.slice(0, 80)}" is not a Helm release name (lower-case letters, digits, "-" and ".", at most ${maxReleaseNameLength} characters)`, {
      hint: 'set spec.helm.releaseName (it defaults to the Sync\'s name); nothing was applied or pruned',
    });
  }
  const valuesFiles = (input.helm?.valuesFiles ?? []).map((f, i) => {
    const file = checkedPath(f, `spec.helm.valuesFiles.${i}`);
    if (!file) throw new FerryError('sync.spec', `spec.helm.valuesFiles.${i}: must name a file in the repository, not its root`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
    return file;
  });
  const namespace = input.namespace;
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    throw new FerryError('sync.spec', `spec.namespace: "${namespace.slice(0, 80)}" is not a namespace name`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
  }
  return { chart, releaseName, valuesFiles, namespace };
}

async function renderHelm(input: RenderInput, helm: CheckedHelm, repo: string, env: Record<string, string>): Promise<RenderedObject[]> {
  const binary = requireTool(input.tools.helm, 'helm', 'helm');
  const chart = helm.chart || '.';
  // Every option in its `--name=value` form, values files as ./paths (never `-`, standard input,
  // or a URL), then `--`: the release name and chart are positional whatever they hold.
  const args = ['template'];
  if (helm.namespace) args.push(`--namespace=${helm.namespace}`);
  for (const values of helm.valuesFiles) args.push(`--values=${asArgument(values)}`);
  args.push('--', helm.releaseName, asArgument(helm.chart));
  const result = await runTool(binary, args, { cwd: repo, env, timeoutMs: input.tools.timeoutMs ?? defaultToolTimeoutMs });
  checkFinished(result, 'helm template', input.tools.timeoutMs, chart);
  if (result.code !== 0) throw toolError('render.helm', 'helm template', result.stderr, repo, chart);
  return attributeHelmSources(result.stdout, chart);
}

/** A repository path as a tool argument: `./x` (or `.`), so it can never be read as an option or a URL. */
function asArgument(path: string): string {
  return path ? `./${path}` : '.';
}

function checkedPath(path: string, field: string): string {
  const checked = normalizeRepoPath(path);
  if (!checked.ok) throw new FerryError('sync.spec', `${field}: ${checked.reason}`, { hint: 'fix the Sync object; see docs/agent.md for its fields' });
  return checked.path;
}

/** A killed tool is a render that cannot finish: reported Stalled, retried at the Sync's interval (not in a loop). */
function checkFinished(result: ToolResult, tool: string, timeoutMs: number | undefined, target: string): void {
  if (result.timedOut) {
    throw new FerryError('render.timeout', `${tool} did not finish within ${formatSeconds(timeoutMs ?? defaultToolTimeoutMs)} and was stopped`, {
      file: target,
      hint: 'a render that waits for input or never ends (a template loop, a huge chart); fix the source; nothing was applied or pruned',
    });
  }
  if (result.tooLarge) {
    throw new FerryError('render.too-large', `${tool} wrote more output than the agent accepts (512 MiB) and was stopped`, { file: target, hint: 'split the source into several Syncs; nothing was applied or pruned' });
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Kustomization files as text, for the reference check (other files are not read there). */
function textFiles(tree: readonly SourceFile[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of tree) {
    const text = kustomizationFiles.includes(posix.basename(file.path)) ? file.content.toString('utf8') : '';
    files.set(file.path, text);
  }
  return files;
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

/** Where a proxy setting points so that any request through it fails at once (nothing listens on the discard port). */
const closedProxy = 'http://127.0.0.1:9';

/**
 * A clean environment: no user config, caches in the render's own home, and no network unless the
 * Sync allows remote resources: every HTTP(S) request goes to a closed proxy, and git (which
 * kustomize runs for remote bases) is not on the PATH and may use only local repositories. Go's
 * HTTP client does not proxy loopback addresses; those are covered by the reference check only.
 */
export function renderToolEnv(home: string, allowNetwork: boolean): Record<string, string> {
  const env: Record<string, string> = {
    HOME: home,
    HELM_CACHE_HOME: join(home, '.helm/cache'),
    HELM_CONFIG_HOME: join(home, '.helm/config'),
    HELM_DATA_HOME: join(home, '.helm/data'),
    KUBECONFIG: join(home, '.kube-none'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  };
  if (allowNetwork) return { ...env, PATH: '/usr/local/bin:/usr/bin:/bin' };
  return {
    ...env,
    PATH: '',
    GIT_ALLOW_PROTOCOL: 'file',
    HTTP_PROXY: closedProxy, HTTPS_PROXY: closedProxy, ALL_PROXY: closedProxy,
    http_proxy: closedProxy, https_proxy: closedProxy, all_proxy: closedProxy,
    NO_PROXY: '', no_proxy: '',
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
