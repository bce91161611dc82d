import { FerryError, normalizeRepository } from '@ferry/manifest-model';
import { checkPromotionText, isPromotionName } from './promotion-input.js';
import type { PromotionTrailers } from './promotion-trailers.js';
import { sha256Hex } from './sha256.js';

/**
 * Whose promotion a branch carries: an app of ferry.yaml (`--app`), or, for `--file`, the image
 * repository itself (two images both called `web` are two different things).
 */
export type PromotionSubject = { app: string } | { image: string };

/**
 * `ferry/<env>/<who>`, one branch per (environment, subject), so a newer build updates the open
 * promotion PR instead of opening another, and no two subjects ever share a branch.
 *
 * Each part is a valid git ref component. A name that is already one, and unambiguous, is kept as
 * it is (`ferry/staging/web`, the name existing PRs use); anything else becomes a readable slug plus
 * `+` and 12 hex digits of the SHA-256 of the exact value (`ferry/staging/a.b+5d41402abc4b`). Names
 * never contain `+`, so a kept name and a hashed one cannot meet. A `--file` promotion is always
 * keyed by the normalised repository (`ferry/staging/ghcr.io-acme-web+<hash>`), hashed apart from
 * app names.
 */
export function formatPromotionBranch(env: string, subject: PromotionSubject): string {
  const who = 'app' in subject ? refComponent('app', subject.app) : hashedComponent('image', imageIdentity(subject.image));
  return `ferry/${refComponent('env', env)}/${who}`;
}

/**
 * `ferry/<env>/group+<12 hex>`: the branch of a group promotion (several `--image` at once), keyed
 * by its set of apps in any order, so the next CI run of the same group updates the same pull
 * request. Names never contain `+`, so no app's branch can meet it.
 */
export function formatGroupBranch(env: string, apps: readonly string[]): string {
  for (const app of apps) checkPromotionText(app, 'the app name');
  const key = [...new Set(apps)].sort().join(',');
  return `ferry/${refComponent('env', env)}/group+${sha256Hex(`group\u0000${key}`).slice(0, HASH_HEX)}`;
}

/** `--app` promotions (and rollbacks) are keyed by the app; `--file` promotions by the image repository. */
export function promotionSubjectOf(request: { app?: string | undefined }, target: { app: string; image: string }): PromotionSubject {
  return request.app !== undefined ? { app: target.app } : { image: target.image };
}

/** The branch `ferry rollback --release` proposes its ferry.yaml change on (never a promotion branch). */
export function formatReleaseHoldBranch(env: string, app: string): string {
  return `ferry/${refComponent('env', env)}/${refComponent('app', app)}+release-hold`;
}

/**
 * Whether the head commit of an existing promotion branch belongs to this subject (same app and
 * environment, and an image of the same repository), so force-updating it clobbers nothing else.
 */
export function isSameSubject(head: PromotionTrailers | undefined, expected: { app: string; env: string; image: string }): boolean {
  if (!head) return false;
  if (head.app !== expected.app || head.env !== expected.env) return false;
  try {
    return normalizeRepository(head.reference) === normalizeRepository(expected.image);
  } catch {
    return false;
  }
}

const HASH_HEX = 12;
const MAX_READABLE = 100;
const MAX_SLUG = 60;

function refComponent(kind: 'env' | 'app', value: string): string {
  checkPromotionText(value, kind === 'env' ? 'the environment' : 'the app name');
  const readable = isPromotionName(value) && !value.includes('..') && !value.endsWith('.lock') && value.length <= MAX_READABLE;
  return readable ? value : hashedComponent(kind, value);
}

function hashedComponent(kind: string, value: string): string {
  return `${slug(value)}+${sha256Hex(`${kind}\u0000${value}`).slice(0, HASH_HEX)}`;
}

/** Lower-case letters, digits, `.`, `_` and `-` only; no `..`; starts and ends with a letter or digit. */
function slug(value: string): string {
  const cut = value.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/\.{2,}/g, '.').slice(0, MAX_SLUG);
  return cut.replace(/^[._-]+|[._-]+$/g, '') || 'x';
}

function imageIdentity(image: string): string {
  try {
    return normalizeRepository(image.replace(/@.*$/, '').replace(/:[^/:]*$/, ''));
  } catch (err) {
    throw new FerryError('input.invalid-reference', `cannot name a promotion branch for image "${image}": ${(err as Error).message}`, { cause: err });
  }
}
