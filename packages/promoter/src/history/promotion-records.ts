import { FerryError, isSameRepository, parseImageReference } from '@ferry/manifest-model';
import { readPromotionRecordSet, Trailer } from '../core/promotion-trailers.js';
import { describeVersion, type VersionSummary } from '../core/plan-promotion.js';
import type { HistoryCommit } from './git-history.js';

/** Trailer a rollback commit adds: the image it rolled back from (never chosen again as "previous"). */
export const RollbackTrailer = Trailer.RollbackFrom;

/** One promotion found in history through its trailers. */
export interface PromotionRecord {
  commit: string;
  time: number;
  image: string;
  version: VersionSummary;
  /** Set on rollback commits: the image that was rolled back. */
  rollbackFrom?: string | undefined;
}

/**
 * Promotions of `app` into `env`, newest first (squash, merge and rebase merges keep the trailers).
 * Only commits whose final trailer block reads strictly as a promotion count (readPromotionRecordSet:
 * a single-app commit, or a group promotion's commit, which records each of its apps), and with `image`, only promotions of that repository: a record naming another image (a `--file`
 * promotion of a same-named image, or a forged trailer) is never a version to return to.
 */
export function readPromotionRecords(log: readonly HistoryCommit[], app: string, env: string, image?: string): PromotionRecord[] {
  const records: PromotionRecord[] = [];
  for (const c of log) {
    const t = readPromotionRecordSet(c.message)?.find((r) => r.app === app);
    if (!t || t.env !== env) continue;
    if (image !== undefined && !isSameRepository(t.reference, image)) continue;
    records.push({
      commit: c.oid, time: c.time, image: t.image, version: { tag: t.reference.tag, digest: t.reference.digest },
      ...(t.rollbackFrom ? { rollbackFrom: t.rollbackFrom } : {}),
    });
  }
  return records;
}

export function sameVersion(a: VersionSummary, b: VersionSummary): boolean {
  if (a.digest && b.digest) return a.digest === b.digest;
  return a.tag === b.tag && (a.digest ?? '') === (b.digest ?? '');
}

/**
 * The version a rollback returns to. Without `to`: the newest recorded version older than the one
 * in place that was never rolled back from (so a second rollback keeps going back instead of
 * returning to the bad version). With `to` (a tag, a digest, or a full reference): that version,
 * which must have been promoted to the environment before.
 */
export function chooseRollbackVersion(records: readonly PromotionRecord[], current: readonly VersionSummary[], to?: string): PromotionRecord {
  const known = () => [...new Set(records.map((r) => describeVersion(r.version)))].join(', ') || '(none)';
  if (to !== undefined) {
    const wanted = to.includes(':') && !to.startsWith('sha256:') ? parseImageReference(to) : to.startsWith('sha256:') ? { digest: to, tag: undefined } : { tag: to, digest: undefined };
    const found = records.find((r) => (wanted.digest ? r.version.digest === wanted.digest : r.version.tag === wanted.tag));
    if (!found) throw new FerryError('target.not-found', `version ${to} was never promoted to this environment (history has: ${known()})`, { hint: 'pick one of those, or use `ferry promote` for a new version' });
    return found;
  }
  const rolledBack = new Set(records.flatMap((r) => (r.rollbackFrom ? [r.rollbackFrom] : [])));
  // Skip everything up to and including the newest record of the version in place.
  const inPlace = records.findIndex((r) => current.some((v) => sameVersion(v, r.version)));
  const older = records.slice(inPlace + 1);
  const found = older.find((r) => !current.some((v) => sameVersion(v, r.version)) && !rolledBack.has(r.image));
  if (!found) {
    throw new FerryError('target.not-found', `no earlier version in history to roll back to (in place: ${current.map(describeVersion).join(', ') || '(none)'}; history has: ${known()})`, {
      hint: 'promotions are found by their Ferry-App/Ferry-Env/Ferry-Image trailers; pass --to VERSION',
    });
  }
  return found;
}
