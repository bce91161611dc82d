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
  const lines = readTrailerLines(message);
  if (!lines) return undefined;
  const trailers = new Map<string, string[]>();
  for (const [key, value] of lines) trailers.set(key, [...(trailers.get(key) ?? []), value]);
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
  return block ? readRecord(block) : undefined;
}

/**
 * Every promotion record of a commit: one for a single-app commit (exactly what
 * readPromotionTrailers reads), or one per app for a group promotion (`ferry promote` with several
 * `--image`), whose trailer block repeats the per-app trailers, each app's starting at its
 * `Ferry-App` line. Just as strict: every app's trailers must read as a record on their own, all
 * name the same environment and no app twice, no Ferry-* key may come before the first
 * `Ferry-App`; anything else is not a record at all (undefined), never half-believed.
 */
export function readPromotionRecordSet(message: string): PromotionTrailers[] | undefined {
  const lines = readTrailerLines(message);
  if (!lines) return undefined;
  const apps = lines.filter(([key]) => key === Trailer.App).length;
  if (apps <= 1) {
    const single = readPromotionTrailers(message);
    return single ? [single] : undefined;
  }
  const segments: Map<string, string[]>[] = [];
  for (const [key, value] of lines) {
    if (!/^ferry-/i.test(key)) continue; // Co-authored-by and the like belong to no app
    if (key === Trailer.App) segments.push(new Map());
    const current = segments[segments.length - 1];
    if (!current) return undefined;
    current.set(key, [...(current.get(key) ?? []), value]);
  }
  const records: PromotionTrailers[] = [];
  for (const segment of segments) {
    const record = readRecord(segment);
    if (!record || (records.length > 0 && record.env !== records[0]!.env) || records.some((r) => r.app === record.app)) return undefined;
    records.push(record);
  }
  return records;
}

/** The final paragraph's `Key: value` lines in order (see readTrailerBlock), or undefined. */
function readTrailerLines(message: string): [string, string][] | undefined {
  const paragraphs = message.replace(/\s+$/, '').split(/\n(?:[ \t]*\n)+/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  if (paragraphs.length < 2 || last === '') return undefined;
  const lines: [string, string][] = [];
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*): (.*)$/.exec(line);
    if (!m) return undefined;
    lines.push([m[1]!, m[2]!]);
  }
  return lines;
}

/** One app's trailers, validated as readPromotionTrailers describes. */
function readRecord(block: Map<string, string[]>): PromotionTrailers | undefined {
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
