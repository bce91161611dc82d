import { tryParseImageReference, type ImageReference } from '@ferry/manifest-model';
import { isBuildTime } from './order-versions.js';
import { findUnsafeCharacter, isBuildUrl, isGateOverrideReason, isPromotionName, isSourceCommit } from './promotion-input.js';

/** Trailer keys later commands search history by (`git log --grep '^Ferry-App: web$'`). */
export const Trailer = {
  App: 'Ferry-App',
  Env: 'Ferry-Env',
  Image: 'Ferry-Image',
  SourceCommit: 'Ferry-Source-Commit',
  BuildUrl: 'Ferry-Build-Url',
  /** RFC 3339 time of the build (`--build-time`): what `order: build-time` compares. */
  BuildTime: 'Ferry-Build-Time',
  /** On rollback commits: the image rolled back from (never chosen again as "previous"). */
  RollbackFrom: 'Ferry-Rollback-From',
  /** `--override-gate REASON`: promoted past the `promotesFrom` gate, and why. */
  GateOverride: 'Ferry-Gate-Override',
} as const;

const KNOWN = new Set<string>(Object.values(Trailer));

/** The Ferry trailers of one promotion (or rollback) commit, every value validated. */
export interface PromotionTrailers {
  app: string;
  env: string;
  /** The `Ferry-Image` value as written, and parsed (it carries a tag or a digest). */
  image: string;
  reference: ImageReference;
  sourceCommit?: string | undefined;
  buildUrl?: string | undefined;
  buildTime?: string | undefined;
  rollbackFrom?: string | undefined;
  gateOverride?: string | undefined;
}

/**
 * The trailer block of a commit message: its final paragraph, when every line of it is a
 * `Key: value` trailer. Keys map to every value given (a repeated key has several). Undefined when
 * the final paragraph is not a trailer block: then the message has no trailers at all (text in
 * the body that looks like a trailer is body text).
 */
export function readTrailerBlock(message: string): Map<string, string[]> | undefined {
  const paragraphs = message.replace(/\s+$/, '').split(/\n(?:[ \t]*\n)+/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  if (paragraphs.length < 2 || last === '') return undefined; // a subject alone has no trailers
  const trailers = new Map<string, string[]>();
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$/.exec(line);
    if (!m) return undefined;
    trailers.set(m[1]!, [...(trailers.get(m[1]!) ?? []), m[2]!]);
  }
  return trailers;
}

/**
 * Reads a promotion record from a commit message, strictly: the final trailer block must hold
 * exactly one `Ferry-App`, `Ferry-Env` and `Ferry-Image`, at most one of each other Ferry-* key,
 * no Ferry-* key Ferry does not write, and valid values (names as in ferry.yaml, an image
 * reference with a tag or digest, a commit id, an http(s) URL). Anything else is not a record:
 * a forged or damaged block is ignored rather than half-believed.
 */
export function readPromotionTrailers(message: string): PromotionTrailers | undefined {
  const block = readTrailerBlock(message);
  if (!block) return undefined;
  for (const [key, values] of block) {
    if (/^ferry-/i.test(key) && (!KNOWN.has(key) || values.length !== 1)) return undefined;
  }
  const one = (key: string): string | undefined => block.get(key)?.[0];
  const app = one(Trailer.App);
  const env = one(Trailer.Env);
  const image = one(Trailer.Image);
  if (app === undefined || env === undefined || image === undefined) return undefined;
  if (!isPromotionName(app) || !isPromotionName(env)) return undefined;
  const reference = parseVersionedImage(image);
  if (!reference) return undefined;
  const sourceCommit = one(Trailer.SourceCommit);
  const buildUrl = one(Trailer.BuildUrl);
  const buildTime = one(Trailer.BuildTime);
  const rollbackFrom = one(Trailer.RollbackFrom);
  if (sourceCommit !== undefined && !isSourceCommit(sourceCommit)) return undefined;
  if (buildUrl !== undefined && !isBuildUrl(buildUrl)) return undefined;
  if (buildTime !== undefined && !isBuildTime(buildTime)) return undefined;
  if (rollbackFrom !== undefined && !tryParseImageReference(rollbackFrom)) return undefined;
  const gateOverride = one(Trailer.GateOverride);
  if (gateOverride !== undefined && !isGateOverrideReason(gateOverride)) return undefined;
  return { app, env, image, reference, sourceCommit, buildUrl, ...(buildTime !== undefined ? { buildTime } : {}), rollbackFrom, ...(gateOverride !== undefined ? { gateOverride } : {}) };
}

function parseVersionedImage(text: string): ImageReference | undefined {
  if (findUnsafeCharacter(text)) return undefined;
  const ref = tryParseImageReference(text);
  return ref && (ref.tag !== undefined || ref.digest !== undefined) ? ref : undefined;
}
