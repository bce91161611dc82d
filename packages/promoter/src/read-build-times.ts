import { isSameRepository } from '@ferry/manifest-model';
import { findBuildTime, type BuildTimeRecord } from './core/order-versions.js';
import type { PromotionTarget, PromotionVersion } from './core/plan-promotion.js';
import { readPromotionRecordSet } from './core/promotion-trailers.js';
import type { ConfigRepository } from './ports.js';

/**
 * How far back a branch's history is searched for the `Ferry-Build-Time` of the version in place.
 * A version whose record is older than this counts as unrecorded (replaced, and the output says so):
 * after this many commits on its branch, a build still racing is not the concern.
 */
export const BUILD_TIME_HISTORY_DEPTH = 200;

/** Whether the target or any app governing its files orders builds by build time. */
export function ordersByBuildTime(target: PromotionTarget): boolean {
  return [target.policy, ...(target.guards ?? []).map((g) => g.policy)].some((p) => p.order?.by === 'build-time');
}

/**
 * The build times the branch's history records for `target.image`, newest first, read from the
 * strict promotion trailers (`Ferry-Build-Time`) of the commits below `head`. Empty unless an app
 * involved orders by build time: nothing else needs history.
 */
export async function readRecordedBuildTimes(repo: ConfigRepository, target: PromotionTarget, branch: string, head: string): Promise<BuildTimeRecord[]> {
  if (!ordersByBuildTime(target)) return [];
  const log = await repo.readHistory(branch, head, BUILD_TIME_HISTORY_DEPTH);
  return log.flatMap((c) => recordOf(c.message, target.image));
}

/** The build time the head of a promotion branch records (the pending version's), before `recorded`. */
export async function withPendingBuildTime(repo: ConfigRepository, target: PromotionTarget, head: string, recorded: BuildTimeRecord[]): Promise<BuildTimeRecord[]> {
  if (!ordersByBuildTime(target)) return recorded;
  return [...recordOf(await repo.readCommitMessage(head), target.image), ...recorded];
}

/**
 * The version's own build time, else the one history records for it (`--from-env` copies a
 * version another environment runs: its build time is the one recorded when it was promoted).
 */
export function withBuildTime(version: PromotionVersion, recorded: readonly BuildTimeRecord[]): PromotionVersion {
  if (version.buildTime !== undefined || recorded.length === 0) return version;
  const found = findBuildTime(recorded, version);
  return found === undefined ? version : { ...version, buildTime: found };
}

/** A group promotion's commit records a build time per app: the one of this image's repository counts. */
function recordOf(message: string, image: string): BuildTimeRecord[] {
  return (readPromotionRecordSet(message) ?? []).flatMap((t) => (t.buildTime && isSameRepository(t.reference, image) ? [{ tag: t.reference.tag, digest: t.reference.digest, buildTime: t.buildTime }] : []));
}
