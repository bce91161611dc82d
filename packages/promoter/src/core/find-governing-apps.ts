import type { PromotionGuard } from './plan-promotion.js';
import { findImageOccurrences, type ImageOccurrence } from './set-image.js';

/** An app of ferry.yaml in the promotion's environment, with the image repository of the promotion. */
export interface GoverningApp extends PromotionGuard {
  files: { path: string; key?: string | undefined }[];
}

export interface FindGoverningAppsInput {
  /** Image repository being promoted. */
  image: string;
  /** The files (and keys) the promotion edits. */
  files: { path: string; key?: string | undefined }[];
  /** Contents at the base commit, keyed by the paths in `files`. */
  contents: Map<string, string | null>;
  /** Candidates: apps whose environment lists at least one of these paths for the same image repository. */
  apps: GoverningApp[];
}

/**
 * The apps whose ferry.yaml target the promotion's edit touches: same file (paths compared the way
 * the git workspace reads them) and an overlapping image occurrence, so a key that selects another
 * image entry of a shared file is not governed, but any other spelling of the same entry is.
 * When overlap cannot be shown either way (a kustomization that gets the image added, a key that
 * finds nothing, a file that does not parse), the app governs: its hold and policy apply.
 * Pure: re-run on each attempt's base files.
 */
export function findGoverningApps(input: FindGoverningAppsInput): GoverningApp[] {
  const edited = new Map<string, Occurrences>();
  for (const file of input.files) {
    const content = input.contents.get(file.path);
    const path = normalizeRepoPath(file.path);
    edited.set(path, mergeOccurrences(edited.get(path), occurrencesIn(path, content, input.image, file.key)));
  }
  return input.apps.filter((app) => app.files.some((file) => {
    const path = normalizeRepoPath(file.path);
    const mine = edited.get(path);
    if (mine === undefined) return false;
    const content = contentAt(input, path);
    const theirs = occurrencesIn(path, content, input.image, file.key);
    if (mine === 'unknown' || theirs === 'unknown' || mine.length === 0 || theirs.length === 0) return true;
    return mine.some((a) => theirs.some((b) => overlaps(a, b)));
  }));
}

/** `./envs/a.yaml`, `/envs/a.yaml` and `envs/a.yaml` name one file (as the git workspace reads them). */
export function normalizeRepoPath(path: string): string {
  return path.replace(/^\.?\/+/, '');
}

type Occurrences = ImageOccurrence[] | 'unknown';

function occurrencesIn(path: string, content: string | null | undefined, image: string, key: string | undefined): Occurrences {
  if (content === null || content === undefined) return 'unknown';
  try {
    return findImageOccurrences([{ path, content }], image, key);
  } catch {
    // The planner reports a file or key it cannot read; here it only means "cannot rule out".
    return 'unknown';
  }
}

function mergeOccurrences(a: Occurrences | undefined, b: Occurrences): Occurrences {
  if (a === undefined) return b;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return [...a, ...b];
}

function contentAt(input: FindGoverningAppsInput, path: string): string | null | undefined {
  for (const [p, content] of input.contents) if (normalizeRepoPath(p) === path) return content;
  return undefined;
}

/**
 * One image entry seen through two spellings: same line, or one lies inside the other's parent
 * mapping (`eu.image.tag` and `eu.image.repository` are one Helm image; containers 0 and 1 are two).
 */
function overlaps(a: ImageOccurrence, b: ImageOccurrence): boolean {
  if (a.line === b.line) return true;
  return isPrefix(a.yamlPath.slice(0, -1), b.yamlPath) || isPrefix(b.yamlPath.slice(0, -1), a.yamlPath);
}

function isPrefix(prefix: (string | number)[], path: (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((step, i) => String(step) === String(path[i]));
}
