import {
  FerryError, assertValidDigest, assertValidTag, formatImageReference, isSameRepository, isValidDigest, isValidTag,
  parseImageReference, tryParseImageReference, type ImageReference,
} from '@ferry/manifest-model';
import type { ResolvedChange } from './types.js';

export interface ImageChangeInput { image: string; tag?: string; digest?: string; newName?: string; key?: string }

/**
 * Validates a requested change. A tag or digest written into `image` counts as the new tag or
 * digest (`--image nginx:1.27` = `--image nginx --tag 1.27`); giving it twice differently is an error.
 */
export function resolveImageChange(input: ImageChangeInput): ResolvedChange {
  const image = parseImageReference(input.image);
  const tag = pick('tag', image.tag, input.tag);
  const digest = pick('digest', image.digest, input.digest);
  if (tag !== undefined) assertValidTag(tag);
  if (digest !== undefined) assertValidDigest(digest);
  const change: ResolvedChange = { name: image.name };
  if (tag !== undefined) change.tag = tag;
  if (digest !== undefined) change.digest = digest;
  if (input.newName !== undefined) {
    const renamed = parseImageReference(input.newName);
    if (renamed.tag !== undefined || renamed.digest !== undefined) {
      throw new FerryError('input.invalid-reference', `--new-name "${input.newName}" must be a name without tag or digest`, { hint: 'pass the tag with --tag and the digest with --digest' });
    }
    change.newName = renamed.name;
  }
  if (input.key !== undefined) change.key = parseKeyPath(input.key);
  if (tag === undefined && digest === undefined && change.newName === undefined) {
    throw new FerryError('input.nothing-to-set', `nothing to set for ${image.name}`, { hint: 'give a tag or digest (--tag, --digest, or --image NAME:TAG@DIGEST) or --new-name' });
  }
  return change;
}

function pick(what: 'tag' | 'digest', fromImage: string | undefined, fromFlag: string | undefined): string | undefined {
  if (fromImage !== undefined && fromFlag !== undefined && fromImage !== fromFlag) {
    throw new FerryError('input.conflict', `the ${what} is given twice: "${fromImage}" in --image and "${fromFlag}" in --${what}`, { hint: `give the ${what} once` });
  }
  return fromImage ?? fromFlag;
}

/** `a.b.0.c` -> steps; `\.` escapes a dot inside a key. */
export function parseKeyPath(key: string): string[] {
  const steps: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch === '\\' && key[i + 1] === '.') {
      current += '.';
      i++;
    } else if (ch === '.') {
      steps.push(current);
      current = '';
    } else current += ch;
  }
  steps.push(current);
  if (steps.some((s) => s === '')) {
    throw new FerryError('input.invalid-key', `--key "${key}" has an empty step`, { hint: 'write the path as dotted keys, e.g. image.tag or containers.0.image' });
  }
  return steps;
}

/** The image a reference becomes: new name if given; tag and digest replaced together when either is given. */
export function applyChangeToReference(ref: ImageReference, change: ResolvedChange): string {
  const name = change.newName ?? ref.name;
  const retag = change.tag !== undefined || change.digest !== undefined;
  return formatImageReference({ name, tag: retag ? change.tag : ref.tag, digest: retag ? change.digest : ref.digest });
}

/** Whether a written name (or full reference) denotes the change's image. */
export function namesImage(written: string | undefined, change: Pick<ResolvedChange, 'name'>): boolean {
  if (written === undefined) return false;
  const ref = tryParseImageReference(written);
  return ref !== undefined && isSameRepository(ref, change.name);
}

/**
 * Whether a written name is one the change applies to: the image, or, with --new-name, the new name
 * (so a rename run again finds the renamed place at target and changes nothing).
 */
export function matchesChange(written: string | undefined, change: Pick<ResolvedChange, 'name' | 'newName'>): boolean {
  return namesImage(written, change) || (change.newName !== undefined && namesImage(written, { name: change.newName }));
}

/** A tag field holding a pinned tag, `1.2.3@sha256:<hex>` (charts render `repo:{{ tag }}`). */
export interface PinnedTag { tag: string; digest: string }

export function parsePinnedTag(text: string | undefined): PinnedTag | undefined {
  const at = text?.indexOf('@') ?? -1;
  if (text === undefined || at < 0) return undefined;
  const tag = text.slice(0, at);
  const digest = text.slice(at + 1);
  return isValidTag(tag) && isValidDigest(digest) ? { tag, digest } : undefined;
}

/** Where a value is, for errors. */
export interface ValuePlace { file: string; line: number; where: string }

/**
 * The new text of a pinned tag field, keeping the `tag@digest` form. A digest alone replaces just
 * the pin. A tag alone is refused: keeping the old pin would pin another image's digest, and
 * dropping it would silently unpin a value someone pinned on purpose.
 */
export function updatePinnedTag(current: PinnedTag, change: Pick<ResolvedChange, 'tag' | 'digest'>, place: ValuePlace): string {
  const tag = change.tag ?? current.tag;
  if (change.digest !== undefined) return `${tag}@${change.digest}`;
  if (change.tag === undefined || change.tag === current.tag) return `${current.tag}@${current.digest}`;
  throw new FerryError('input.pinned-tag', `${place.where} in ${place.file} pins ${current.tag}@${current.digest}; a new tag (${change.tag}) without its digest would leave the old image's digest pinned or drop the pin`, {
    file: place.file, line: place.line,
    hint: `give the digest of ${change.tag} as well (--digest, --image NAME:${change.tag}@DIGEST, or promote --pin-digest); to stop pinning, edit the value to a plain tag first`,
  });
}
