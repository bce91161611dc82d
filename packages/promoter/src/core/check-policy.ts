import semver from 'semver';
import type { VersionOrder } from '@ferry/manifest-model';
import { orderAgainstCurrent, type BuildTimeRecord, type OrderedVersion } from './order-versions.js';

/** The subset of ferry.yaml's policy the check needs (see @ferry/manifest-model Policy). */
export interface PromotionPolicy {
  semver?: string | undefined;
  allow?: string[] | undefined;
  deny?: string[] | undefined;
  allowDowngrade?: boolean | undefined;
  /** How builds are ordered (ferry.yaml `order`/`orderPattern`, or `--order`); unset: semver or refuse to guess. */
  order?: VersionOrder | undefined;
}

export interface PolicyInput {
  policy: PromotionPolicy;
  hold?: { reason: string; by?: string | undefined } | undefined;
  /** Tag being promoted; undefined for a digest-only promotion. */
  newTag?: string | undefined;
  /** Tags currently in the target files (one per occurrence). */
  currentTags: (string | undefined)[];
  /** The versions in place with their digests (one per occurrence); when given, ordered instead of `currentTags`. */
  current?: OrderedVersion[] | undefined;
  /** Digest and build time (RFC 3339, `--build-time`) of the promoted version. */
  newDigest?: string | undefined;
  buildTime?: string | undefined;
  /** Build times the config repo records (trailers of history, of a promotion branch head), newest first. */
  recorded?: readonly BuildTimeRecord[] | undefined;
  /**
   * How an older version than the one in place is treated. `skip`: a late CI build, nothing to do
   * (exit 0). `refuse`: someone explicitly asked to go back (e.g. --from-env an older environment).
   */
  onOlder: 'skip' | 'refuse';
}

/** Refusal reasons, stable for `--json` consumers and exit code 4. */
export const PolicyReason = {
  Hold: 'hold',
  OutOfRange: 'semver-range',
  NotSemver: 'not-semver',
  NotAllowed: 'not-allowed',
  Denied: 'denied',
  Downgrade: 'downgrade',
  /** The promoted version cannot be ordered against the one in place (no order set, or it does not fit the order). */
  Unordered: 'unordered',
} as const;
export type PolicyReason = (typeof PolicyReason)[keyof typeof PolicyReason];

export type PolicyVerdict =
  /** `note`: something in place that the order could not place, replaced (said in the output). */
  | { outcome: 'allowed'; note?: string | undefined }
  /** A newer version is already in place (a late build): nothing is pushed; the CLI exits 4. */
  | { outcome: 'older'; message: string; current: string }
  | { outcome: 'refused'; reason: PolicyReason; message: string };

/** Decides whether a tag may replace the current ones. Pure; order of checks is the order of the table in docs. */
export function checkPolicy(input: PolicyInput): PolicyVerdict {
  const { policy, hold, newTag } = input;
  if (hold) {
    const by = hold.by ? ` by ${hold.by}` : '';
    return { outcome: 'refused', reason: PolicyReason.Hold, message: `promotion is on hold${by}: ${hold.reason}` };
  }
  if (newTag !== undefined) {
    if (policy.semver) {
      const version = parseSemver(newTag);
      if (!version) return { outcome: 'refused', reason: PolicyReason.NotSemver, message: `tag "${newTag}" is not a semver version, but the policy requires "${policy.semver}"` };
      if (!semver.satisfies(version, policy.semver)) {
        return { outcome: 'refused', reason: PolicyReason.OutOfRange, message: `tag "${newTag}" is outside the allowed range "${policy.semver}"` };
      }
    }
    if (policy.allow?.length && !policy.allow.some((p) => new RegExp(p).test(newTag))) {
      return { outcome: 'refused', reason: PolicyReason.NotAllowed, message: `tag "${newTag}" matches none of the allow patterns ${policy.allow.map((p) => `/${p}/`).join(', ')}` };
    }
    const denied = policy.deny?.find((p) => new RegExp(p).test(newTag));
    if (denied !== undefined) return { outcome: 'refused', reason: PolicyReason.Denied, message: `tag "${newTag}" matches the deny pattern /${denied}/` };
  }
  if (policy.allowDowngrade) return { outcome: 'allowed' };
  const current = input.current ?? input.currentTags.map((tag) => ({ tag }));
  const order = orderAgainstCurrent(policy.order, { tag: newTag, digest: input.newDigest, buildTime: input.buildTime }, current, input.recorded);
  if (order.outcome === 'unordered') return { outcome: 'refused', reason: PolicyReason.Unordered, message: order.message };
  if (order.outcome === 'older') {
    if (input.onOlder === 'skip') return { outcome: 'older', current: order.current, message: `${order.message}; nothing was changed` };
    return { outcome: 'refused', reason: PolicyReason.Downgrade, message: `${order.message}: promoting it would downgrade` };
  }
  if (order.note) return { outcome: 'allowed', note: order.note };
  return { outcome: 'allowed' };
}

/** The highest current tag that is semver-greater than `tag`, if any (non-semver tags never compare). */
export function findNewerTag(tag: string, currentTags: (string | undefined)[]): string | undefined {
  const version = parseSemver(tag);
  if (!version) return undefined;
  let newest: { tag: string; version: semver.SemVer } | undefined;
  for (const current of currentTags) {
    const v = current === undefined ? null : parseSemver(current);
    if (!v || semver.lte(v, version)) continue;
    if (!newest || semver.gt(v, newest.version)) newest = { tag: current!, version: v };
  }
  return newest?.tag;
}

/** Compares two tags by semver; non-semver tags sort below semver ones and equal to each other. */
export function compareTags(a: string | undefined, b: string | undefined): number {
  const va = a === undefined ? null : parseSemver(a);
  const vb = b === undefined ? null : parseSemver(b);
  if (va && vb) return semver.compare(va, vb);
  return (va ? 1 : 0) - (vb ? 1 : 0);
}

/** Accepts `1.2.3` and `v1.2.3` (the common image tag forms); not `1.2` or `sha-abc`. */
function parseSemver(tag: string): semver.SemVer | null {
  return semver.parse(tag.startsWith('v') ? tag.slice(1) : tag);
}
