import { parseImageReference, parseYamlFile } from '@ferry/manifest-model';
import { assertEditableText } from './assert-editable-text.js';
import {
  detectRewriter, extractAtKey, namesImage, parseKeyPath, resolveImageChange, updateAtKey, type Candidate, type FileKind,
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
  /** Whether the image (or the --key path) is in at least one file; a kustomization always takes the image. */
  found: boolean;
  changed: boolean;
}

/**
 * Plans `ferry set-image` over whole files, without I/O: every file is parsed, edited and verified
 * before anything is returned, so a caller that writes only after this returns is all-or-nothing.
 * Throws FerryError: `input.invalid-reference`, `input.invalid-tag`, `input.invalid-digest`,
 * `input.conflict`, `input.nothing-to-set`, `input.invalid-key`, `input.key-not-scalar`,
 * `input.missing-tag`, `input.not-text`, `input.file-too-large`, `yaml.invalid` (with file and line),
 * `edit.verify-failed`, `edit.unsupported`.
 */
export function planSetImage(files: FileInput[], change: ImageChange): SetImagePlan {
  const resolved = resolveImageChange(change);
  const plans = files.map((input): FilePlan & { found: boolean } => {
    assertEditableText(input);
    const file = parseYamlFile(input.content, input.path);
    const { rewriter, candidates } = detectRewriter(file);
    const key = resolved.key;
    const occurrences = key ? extractAtKey(file, key, resolved.name) : candidates.filter((c) => c.names.some((n) => namesImage(n, resolved)));
    const found = occurrences.length > 0 || (!key && rewriter.kind === 'kustomization');
    const result = !found ? { content: input.content, changes: [] } : key ? updateAtKey(file, { ...resolved, key }) : rewriter.update(file, resolved);
    return {
      path: input.path,
      kind: rewriter.kind,
      occurrences: occurrences.map(toOccurrence),
      changes: result.changes.map((c) => ({ line: c.line, yamlPath: c.path, old: c.old ?? '', new: c.new ?? '' })),
      newContent: result.content === input.content ? null : result.content,
      found,
    };
  });
  return {
    files: plans.map(({ found: _found, ...plan }) => plan),
    found: plans.some((p) => p.found),
    changed: plans.some((p) => p.newContent !== null),
  };
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
