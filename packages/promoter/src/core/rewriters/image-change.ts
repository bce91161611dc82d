import {
  FerryError, assertValidDigest, assertValidTag, formatImageReference, isSameRepository, parseImageReference,
  tryParseImageReference, type ImageReference,
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
