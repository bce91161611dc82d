/**
 * Pure: before kustomize runs, every kustomization the target reaches is read for references that
 * leave the checked-out revision: remote resources, bases, components and charts (http(s), git,
 * `github.com/...`), and local paths that resolve outside the repository (`../` past its root, an
 * absolute path). Either would make a render read something other than the commit: the network, or
 * files of the agent's host (another Sync's checkout, a mounted token).
 *
 * This is the first line; the renderer also runs kustomize with the load restrictor on and with the
 * network denied to the process, so a field this list does not know cannot fetch either.
 */
import { FerryError } from '@ferry/manifest-model';
import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const kustomizationFileNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export interface KustomizationCheckOptions {
  /** spec.kustomize.allowRemoteResources: remote references are then left to kustomize. */
  allowRemote: boolean;
}

export interface KustomizationCheck {
  /** A kustomization the target reaches inflates Helm charts (`helmCharts`): kustomize needs `--enable-helm` and helm. */
  helmCharts: boolean;
}

interface Reference {
  field: string;
  value: string;
  line: number;
  /** The entry may be a directory holding another kustomization (followed). */
  followsKustomization: boolean;
}

/** List fields whose entries are paths or URLs; `true`: an entry may be another kustomization. */
const listFields: Record<string, boolean> = {
  resources: true, bases: true, components: true, generators: true, transformers: true, validators: true,
  crds: false, configurations: false, patchesStrategicMerge: false,
};
/** Lists of objects with a path-valued key. */
const objectListFields: Record<string, string[]> = {
  patches: ['path'], patchesJson6902: ['path'], replacements: ['path'],
  configMapGenerator: ['files', 'envs', 'env'], secretGenerator: ['files', 'envs', 'env'],
  helmCharts: ['repo', 'valuesFile', 'additionalValuesFiles'], helmChartInflationGenerator: ['chartRepoUrl', 'chartHome', 'values'],
};
/** Single objects with path-valued keys. */
const objectFields: Record<string, string[]> = { openapi: ['path'], helmGlobals: ['chartHome', 'configHome'] };

/**
 * Walks from `target` (repository-relative directory, '' for the root) through every kustomization
 * it reaches. `files` are the revision's files by repository path. Throws `render.remote-resource`
 * or `render.outside-repository` with the file and line of the first offending entry.
 */
export function checkKustomizations(files: ReadonlyMap<string, string>, target: string, options: KustomizationCheckOptions): KustomizationCheck {
  let helmCharts = false;
  const dirs = new Set<string>(['']);
  for (const path of files.keys()) {
    for (let dir = posix.dirname(path); dir !== '.' && !dirs.has(dir); dir = posix.dirname(dir)) dirs.add(dir);
  }
  const exists = (path: string) => files.has(path) || dirs.has(path);
  const queue = [target];
  const seen = new Set<string>();
  while (queue.length) {
    const dir = queue.shift() as string;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const name = kustomizationFileNames.map((n) => (dir ? `${dir}/${n}` : n)).find((p) => files.has(p));
    if (!name) continue;
    const read = readReferences(files.get(name) ?? '', name);
    helmCharts ||= read.helmCharts;
    for (const ref of read.refs) {
      const where = { file: name, line: ref.line };
      const local = localPath(dir, ref.value);
      if (local !== undefined && exists(local)) {
        if (ref.followsKustomization && dirs.has(local)) queue.push(local);
        continue;
      }
      if (looksRemote(ref.value)) {
        if (options.allowRemote) continue;
        throw new FerryError('render.remote-resource', `${ref.field} names a remote source (${shorten(ref.value)}): renders read only the synced revision`, {
          ...where,
          hint: 'vendor it into the repository, or set spec.kustomize.allowRemoteResources: true on the Sync to let kustomize fetch it; nothing was applied or pruned',
        });
      }
      if (local === undefined) {
        throw new FerryError('render.outside-repository', `${ref.field} entry ${shorten(ref.value)} resolves outside the repository`, {
          ...where,
          hint: 'kustomizations may only reference files and directories inside the synced repository; nothing was applied or pruned',
        });
      }
      // A local path that does not exist: kustomize reports it with its own message.
    }
  }
  return { helmCharts };
}

/** The repository path an entry names, or undefined when it leaves the repository. */
function localPath(dir: string, value: string): string | undefined {
  if (value.startsWith('/') || value.startsWith('~')) return undefined;
  const joined = posix.normalize(posix.join(dir || '.', value));
  if (joined === '..' || joined.startsWith('../')) return undefined;
  return joined === '.' ? '' : joined.replace(/\/+$/, '');
}

/** kustomize's remote forms: any `scheme://`, scp-like `user@host:path`, `host.tld/...`, `repo//dir`, `?ref=`. */
export function looksRemote(value: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return true;
  if (/^[\w.-]+@[\w.-]+:/.test(value)) return true;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:\d+)?\//i.test(value)) return true;
  if (/\?(ref|version|submodules|timeout)=/.test(value)) return true;
  return value.includes('//');
}

/**
 * The references of one kustomization. Read as kustomize reads it: aliases and `<<` merges
 * resolved, field names matched without regard to case (kustomize decodes through encoding/json),
 * every document of the file. Lines come from the text (the first line holding the value).
 */
function readReferences(text: string, file: string): { refs: Reference[]; helmCharts: boolean } {
  const docs = parseAllDocuments(text, { merge: true, uniqueKeys: false });
  const refs: Reference[] = [];
  let helmCharts = false;
  const textLines = text.split('\n');
  const lineOf = (value: string) => {
    const at = textLines.findIndex((l) => l.includes(value));
    return at >= 0 ? at + 1 : 1;
  };
  const add = (field: string, value: unknown, follows: boolean, stripKey = false, line?: number) => {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      let entry = item.trim();
      // An inline patch or generator (YAML text), not a path.
      if (entry === '' || entry.includes('\n')) continue;
      if (stripKey) entry = entry.slice(entry.indexOf('=') + 1);
      refs.push({ field, value: entry, line: line ?? lineOf(entry), followsKustomization: follows });
    }
  };
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) {
      throw new FerryError('render.kustomize', `not a valid kustomization: ${error.message.split('\n')[0]}`, {
        file, line: error.linePos?.[0]?.line ?? 1, hint: 'fix the YAML; nothing was applied or pruned',
      });
    }
    let content: unknown;
    try {
      content = doc.toJS({ maxAliasCount: 100 });
    } catch (cause) {
      throw new FerryError('render.kustomize', `not a valid kustomization: ${cause instanceof Error ? cause.message : String(cause)}`, { file, line: 1, cause, hint: 'fix the YAML; nothing was applied or pruned' });
    }
    if (!isRecord(content)) continue;
    helmCharts ||= readHelmCharts(content, file, textLines, add);
    for (const [rawKey, value] of Object.entries(content)) {
      const key = fieldName(rawKey, listFields) ?? fieldName(rawKey, objectListFields) ?? fieldName(rawKey, objectFields) ?? '';
      const follows = listFields[key];
      if (follows !== undefined) add(key, value, follows);
      const objectKeys = objectListFields[key];
      if (objectKeys) {
        for (const item of Array.isArray(value) ? value : []) {
          if (!isRecord(item)) continue;
          for (const [innerRaw, innerValue] of Object.entries(item)) {
            const inner = objectKeys.find((k) => k.toLowerCase() === innerRaw.toLowerCase());
            if (inner) add(`${key}.${inner}`, innerValue, false, inner === 'files');
          }
        }
      }
      const singleKeys = objectFields[key];
      if (singleKeys && isRecord(value)) {
        for (const [innerRaw, innerValue] of Object.entries(value)) {
          const inner = singleKeys.find((k) => k.toLowerCase() === innerRaw.toLowerCase());
          if (inner) add(`${key}.${inner}`, innerValue, false);
        }
      }
    }
  }
  return { refs, helmCharts };
}

/**
 * kustomize's Helm inflator: each `helmCharts` entry is a chart directory `<chartHome>/<name>`
 * (chartHome from `helmGlobals`, default `charts`), checked like any other path (a `repo` is a
 * remote reference, checked with the other fields). `helmGlobals.configHome` is refused: it would
 * make a directory of the repository helm's configuration (repositories, registry logins, plugins).
 * Returns whether the kustomization inflates charts at all.
 */
function readHelmCharts(content: Record<string, unknown>, file: string, lines: readonly string[], add: (field: string, value: unknown, follows: boolean, stripKey: boolean, line: number) => void): boolean {
  const globals = content[fieldName('helmGlobals', content) ?? ''];
  const globalKeys = isRecord(globals) ? globals : {};
  if (fieldName('configHome', globalKeys) !== undefined) {
    const at = lines.findIndex((l) => /configHome\s*:/i.test(l));
    throw new FerryError('render.kustomize', 'helmGlobals.configHome is not allowed: helm reads its configuration (repositories, registry logins, plugins) from the agent\'s own directory, never from the repository', {
      file, line: at >= 0 ? at + 1 : 1, hint: 'remove helmGlobals.configHome; nothing was applied or pruned',
    });
  }
  const chartHomeValue = globalKeys[fieldName('chartHome', globalKeys) ?? ''];
  const chartHome = typeof chartHomeValue === 'string' && chartHomeValue.trim() ? chartHomeValue.trim() : 'charts';
  const charts = content[fieldName('helmCharts', content) ?? ''];
  const legacy = content[fieldName('helmChartInflationGenerator', content) ?? ''];
  for (const chart of Array.isArray(charts) ? charts : []) {
    if (!isRecord(chart)) continue;
    const name = chart[fieldName('name', chart) ?? ''];
    if (typeof name !== 'string' || !name.trim()) continue;
    const at = lines.findIndex((l) => /name\s*:/i.test(l) && l.includes(name.trim()));
    add('helmCharts.name', posix.join(chartHome, name.trim()), false, false, at >= 0 ? at + 1 : 1);
  }
  return (Array.isArray(charts) && charts.length > 0) || (Array.isArray(legacy) && legacy.length > 0);
}

function fieldName(key: string, fields: Record<string, unknown>): string | undefined {
  return Object.keys(fields).find((f) => f.toLowerCase() === key.toLowerCase());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shorten(value: string): string {
  return value.length > 120 ? `${value.slice(0, 117)}...` : value;
}
