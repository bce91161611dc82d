import {
  FerryError, formatYamlPath, isSameRepository, lineOfNode, parseImageReference, parseYamlFile, resolveYamlPath,
  type YamlChange, type YamlFile, type YamlPath,
} from '@ferry/manifest-model';
import { assertEditableText } from './assert-editable-text.js';
import {
  detectRewriter, extractAtKey, matchesChange, namesImage, parseKeyPath, resolveImageChange, updateAtKey,
  type Candidate, type FileKind, type ResolvedChange, type Rewriter,
} from './rewriters/index.js';

/**
 * What to set. `image` names the image to find (a tag or digest in it counts as the new one);
 * `key` limits the edit to one dotted path (numbers index sequences).
 */
export interface ImageChange { image: string; tag?: string; digest?: string; newName?: string; key?: string }
export interface FileInput { path: string; content: string }
export interface ImageOccurrence {
  path: string;
  /** 1-based line of the value. */
  line: number;
  yamlPath: (string | number)[];
  /** Current full value as written, e.g. "nginx:1.2@sha256:..." or the tag for split keys. */
  reference: string;
  tag?: string;
  digest?: string;
}
export interface FileChange {
  /** 1-based line in the new content. */
  line: number;
  yamlPath: (string | number)[];
  /** "" when the entry was added. */
  old: string;
  /** "" when the entry was removed. */
  new: string;
  /** The --key path did not exist in this file and was created. */
  created?: true;
}
export interface FilePlan {
  path: string;
  kind: FileKind;
  occurrences: ImageOccurrence[];
  changes: FileChange[];
  /** null = unchanged. */
  newContent: string | null;
}
export interface SetImagePlan {
  files: FilePlan[];
  /**
   * Whether every image is in at least one file (a kustomization always takes the image, and a
   * missing --key path is created).
   */
  found: boolean;
  /** The images (as given in `image`) found in no file. */
  notFound: string[];
  changed: boolean;
}

/**
 * Plans `ferry set-image` over whole files, without I/O: every file is parsed, edited and verified
 * before anything is returned, so a caller that writes only after this returns is all-or-nothing.
 * Several changes (one per image) are applied one after the other to each file, each edit verified;
 * an error in any of them plans nothing.
 * Throws FerryError: `input.invalid-reference`, `input.invalid-tag`, `input.invalid-digest`,
 * `input.conflict`, `input.nothing-to-set`, `input.invalid-key`, `input.key-not-scalar`,
 * `input.key-not-creatable`, `input.missing-tag`, `input.pinned-tag`, `input.unsupported-place`,
 * `input.not-text`, `input.file-too-large`, `yaml.invalid` (with file and line),
 * `edit.verify-failed`, `edit.unsupported`.
 */
export function planSetImage(files: FileInput[], change: ImageChange | readonly ImageChange[]): SetImagePlan {
  const changes = resolveChanges(Array.isArray(change) ? change : [change as ImageChange]);
  const foundBy = changes.map(() => false);
  const plans = files.map((input): FilePlan => {
    assertEditableText(input);
    let file = parseYamlFile(input.content, input.path);
    const kind = detectRewriter(file).rewriter.kind;
    const occurrences: Candidate[] = [];
    const made: (FileChange & { document: number })[] = [];
    changes.forEach((resolved, i) => {
      const step = planOneChange(file, resolved);
      occurrences.push(...step.occurrences);
      if (step.found) foundBy[i] = true;
      made.push(...step.changes);
      if (step.content !== file.content) file = parseYamlFile(step.content, input.path);
    });
    const changed = file.content !== input.content;
    // Later changes may add lines above earlier ones: read every line from the final text.
    if (changes.length > 1 && changed) for (const c of made) if (c.new !== '') c.line = lineOfPath(file, c.document, c.yamlPath) ?? c.line;
    return {
      path: input.path,
      kind,
      occurrences: occurrences.map(toOccurrence),
      changes: made.map(({ document: _document, ...c }) => c),
      newContent: changed ? file.content : null,
    };
  });
  const notFound = changes.flatMap((c, i) => (foundBy[i] ? [] : [c.image]));
  return { files: plans, found: notFound.length === 0, notFound, changed: plans.some((p) => p.newContent !== null) };
}

type NamedChange = ResolvedChange & { image: string };

function resolveChanges(changes: readonly ImageChange[]): NamedChange[] {
  if (changes.length === 0) throw new FerryError('input.nothing-to-set', 'no image to set', { hint: 'give at least one --image' });
  const resolved = changes.map((c) => ({ ...resolveImageChange(c), image: c.image }));
  resolved.forEach((c, i) => {
    const twice = resolved.findIndex((other, j) => j < i && isSameRepository(other.name, c.name));
    if (twice >= 0) {
      throw new FerryError('input.conflict', `image ${c.name} is given twice (${resolved[twice]!.image} and ${c.image})`, { hint: 'give each image once' });
    }
  });
  return resolved;
}

/** One change to one parsed file: its occurrences, whether it applies here, and the edit. */
function planOneChange(file: YamlFile, resolved: ResolvedChange): { occurrences: Candidate[]; found: boolean; content: string; changes: (FileChange & { document: number })[] } {
  const { rewriter, candidates } = detectRewriter(file);
  const key = resolved.key;
  if (key) {
    const occurrences = extractAtKey(file, key, resolved.name);
    const result = updateAtKey(file, { ...resolved, key });
    return { occurrences, found: true, content: result.content, changes: result.changes.map((c) => toChange(c, result.created)) };
  }
  const occurrences = candidates.filter((c) => c.names.some((n) => matchesChange(n, resolved)));
  if (occurrences.length === 0 && rewriter.kind !== 'kustomization') {
    refuseUnrewritable(file, rewriter, resolved);
    return { occurrences, found: false, content: file.content, changes: [] };
  }
  const result = rewriter.update(file, resolved);
  return { occurrences, found: true, content: result.content, changes: result.changes.map((c) => toChange(c, false)) };
}

function toChange(c: YamlChange, created: boolean): FileChange & { document: number } {
  const change: FileChange & { document: number } = { line: c.line, yamlPath: c.path, old: c.old ?? '', new: c.new ?? '', document: c.document };
  if (created) change.created = true;
  return change;
}

/** A file that names the image only where Ferry does not rewrite is an error, never a silent skip. */
function refuseUnrewritable(file: YamlFile, rewriter: Rewriter, change: ResolvedChange): void {
  const stranded = (rewriter.unrewritable?.(file) ?? []).filter((c) => c.names.some((n) => matchesChange(n, change)));
  const first = stranded[0];
  if (!first) return;
  const more = stranded.length > 1 ? ` (and ${stranded.length - 1} more place${stranded.length > 2 ? 's' : ''})` : '';
  throw new FerryError('input.unsupported-place', `${change.name} is only at ${formatYamlPath(first.yamlPath)} ("${first.reference}")${more} in ${file.file}, a value Ferry does not rewrite (not a container or image volume of a pod spec)`, {
    file: file.file, line: first.line,
    hint: `Ferry rewrites the containers, init containers, ephemeral containers and image volumes of any pod spec, and inline Helm values; to set this value, run with --key ${first.yamlPath.map((step) => String(step).replace(/\./g, '\\.')).join('.')} on this file`,
  });
}

function lineOfPath(file: YamlFile, document: number, path: YamlPath): number | undefined {
  const doc = file.documents[document];
  const node = doc ? resolveYamlPath(doc, path) : undefined;
  return node ? lineOfNode(file, node) : undefined;
}

/** Where an image is and its current tag/digest (`key` reads one dotted path instead). */
export function findImageOccurrences(files: FileInput[], image: string, key?: string): ImageOccurrence[] {
  const name = parseImageReference(image).name;
  const steps = key === undefined ? undefined : parseKeyPath(key);
  return files.flatMap((input) => {
    assertEditableText(input);
    const file = parseYamlFile(input.content, input.path);
    if (steps) return extractAtKey(file, steps, name).map(toOccurrence);
    return detectRewriter(file).candidates.filter((c) => c.names.some((n) => namesImage(n, { name }))).map(toOccurrence);
  });
}

function toOccurrence(c: Candidate): ImageOccurrence {
  const occurrence: ImageOccurrence = { path: c.path, line: c.line, yamlPath: c.yamlPath, reference: c.reference };
  if (c.tag !== undefined) occurrence.tag = c.tag;
  if (c.digest !== undefined) occurrence.digest = c.digest;
  return occurrence;
}
