import semver from 'semver';
import { extractOrderNumber, FerryError, type VersionOrder } from '@ferry/manifest-model';

/**
 * Orders a promoted version against the versions in place, for every tag scheme (issue 11):
 * `semver`, `numeric` (a number a pattern's named group takes from the tag) and `build-time` (the
 * build's RFC 3339 time, recorded in the `Ferry-Build-Time` trailer, so the config repo's history,
 * not which CI job pushes first, decides). Without an order, tags are compared as semver when both
 * are, and anything else is `unordered`: Ferry refuses to guess rather than let a late build
 * overwrite a newer one. Pure.
 */

export interface OrderedVersion {
  tag?: string | undefined;
  digest?: string | undefined;
  /** RFC 3339; for the promoted version from `--build-time`, for one in place from history. */
  buildTime?: string | undefined;
}

/** A promotion found in the config repo's history (or a promotion branch head) with its build time. */
export interface BuildTimeRecord {
  /** Image repository as the trailer names it (compared with isSameRepository by the caller). */
  tag?: string | undefined;
  digest?: string | undefined;
  buildTime: string;
}

export type OrderVerdict =
  /** Not older than anything in place. `note` says what could not be ordered and was replaced. */
  | { outcome: 'not-older'; note?: string | undefined }
  | { outcome: 'older'; current: string; message: string }
  /** The promoted version itself cannot be ordered: refused, never guessed. */
  | { outcome: 'unordered'; message: string };

/**
 * Compares `candidate` with every version in place. `current` are the versions the target files
 * hold (one per occurrence); their build times come from `recorded` (newest first), matched by
 * tag and, when both carry one, digest.
 */
export function orderAgainstCurrent(order: VersionOrder | undefined, candidate: OrderedVersion, current: OrderedVersion[], recorded: readonly BuildTimeRecord[] = []): OrderVerdict {
  const others = current.filter((c) => !isSameVersion(c, candidate));
  if (others.length === 0) return { outcome: 'not-older' };
  // A digest-only promotion keeps the tag in place: only a build time can order it.
  if (candidate.tag === undefined && order?.by !== 'build-time') return { outcome: 'not-older' };
  switch (order?.by) {
    case undefined: return orderByDefault(candidate, others);
    case 'semver': return orderByKey(candidate, others, 'semver', (v) => (v.tag === undefined ? undefined : parseLenientSemver(v.tag) ?? undefined), (a, b) => semver.compare(a, b));
    case 'numeric': return orderByKey(candidate, others, describeNumeric(order.pattern), (v) => (v.tag === undefined ? undefined : extractNumber(order.pattern, v.tag)), compareBigints);
    case 'build-time': return orderByKey(
      { ...candidate }, others.map((o) => ({ ...o, buildTime: o.buildTime ?? findBuildTime(recorded, o) })), 'build time',
      (v) => (v.buildTime === undefined ? undefined : parseBuildTime(v.buildTime)), compareBigints,
    );
  }
}

/** No order configured: semver when the promoted tag and every one in place are semver; else refuse to guess. */
function orderByDefault(candidate: OrderedVersion, others: OrderedVersion[]): OrderVerdict {
  const mine = parseLenientSemver(candidate.tag!);
  const unparsed = others.find((o) => o.tag === undefined || !parseLenientSemver(o.tag));
  if (!mine || unparsed) {
    const which = !mine ? `"${candidate.tag}" is not a semver version` : `${describe(unparsed!)} in place is not a semver version`;
    return {
      outcome: 'unordered',
      message: `cannot tell whether ${describe(candidate)} is newer than ${others.map(describe).join(', ')} in place: ${which} and no order is set, so Ferry will not guess `
        + '(set order: build-time with --build-time, numeric with orderPattern, or semver for the app in ferry.yaml, or --order for --file; policy allowDowngrade: true lets the last promotion win)',
    };
  }
  return orderByKey(candidate, others, 'semver', (v) => (v.tag === undefined ? undefined : parseLenientSemver(v.tag) ?? undefined), (a, b) => semver.compare(a, b));
}

/**
 * The promoted version must have a key (else `unordered`); a version in place without one cannot
 * be newer by this order (it predates it, or a human wrote it) and is replaced, saying so.
 */
function orderByKey<K>(candidate: OrderedVersion, others: OrderedVersion[], name: string, keyOf: (v: OrderedVersion) => K | undefined, compare: (a: K, b: K) => number): OrderVerdict {
  const mine = keyOf(candidate);
  if (mine === undefined) return { outcome: 'unordered', message: explainMissingKey(candidate, name) };
  let newest: { version: OrderedVersion; key: K } | undefined;
  const unkeyed: OrderedVersion[] = [];
  for (const other of others) {
    const key = keyOf(other);
    if (key === undefined) unkeyed.push(other);
    else if (compare(key, mine) > 0 && (!newest || compare(key, newest.key) > 0)) newest = { version: other, key };
  }
  if (newest) {
    return { outcome: 'older', current: describe(newest.version), message: `${describeWith(candidate, name)} is older than ${describeWith(newest.version, name)}, which is already in place` };
  }
  const note = unkeyed.length ? `${unkeyed.map(describe).join(', ')} in place ${unkeyed.length === 1 ? 'has' : 'have'} no ${name === 'build time' ? 'recorded build time' : `${name} order`} and ${unkeyed.length === 1 ? 'is' : 'are'} replaced` : undefined;
  return { outcome: 'not-older', ...(note ? { note } : {}) };
}

function explainMissingKey(v: OrderedVersion, name: string): string {
  if (name === 'build time') return `this app's builds are ordered by build time, but this promotion of ${describe(v)} has no build time (pass --build-time with the build's RFC 3339 time, e.g. 2025-01-31T12:00:00Z)`;
  if (name === 'semver') return `this app's builds are ordered by semver, but "${v.tag}" is not a semver version`;
  return `this app's builds are ordered by ${name}, but "${v.tag}" does not match it (or its group is not a decimal number)`;
}

/** Newest first: the first record of this version that carries a build time. */
export function findBuildTime(recorded: readonly BuildTimeRecord[], v: OrderedVersion): string | undefined {
  return recorded.find((r) => isSameVersion(r, v))?.buildTime;
}

/** One image version: the same digest when both pin one, else the same tag. */
function isSameVersion(a: OrderedVersion, b: OrderedVersion): boolean {
  if (a.digest && b.digest) return a.digest === b.digest;
  return a.tag !== undefined && a.tag === b.tag;
}

function describe(v: OrderedVersion): string {
  const digest = v.digest ? `${v.digest.split(':')[0]}:${(v.digest.split(':')[1] ?? '').slice(0, 12)}` : undefined;
  if (v.tag && digest) return `${v.tag}@${digest}`;
  return v.tag ?? digest ?? '(none)';
}

function describeWith(v: OrderedVersion, name: string): string {
  return name === 'build time' && v.buildTime ? `${describe(v)} (built ${v.buildTime})` : describe(v);
}

function describeNumeric(pattern: string | undefined): string {
  return pattern === undefined ? 'number (the whole tag)' : `the number /${pattern}/ takes from the tag`;
}

function extractNumber(pattern: string | undefined, tag: string): bigint | undefined {
  if (pattern === undefined) return /^[0-9]{1,40}$/.test(tag) ? BigInt(tag) : undefined;
  return extractOrderNumber(pattern, tag);
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Semver as image tags write it: `1.4.2`, `v1.4.2`, `1.27` (a missing minor or patch is 0, as
 * Docker images tag them), with prerelease and build metadata. A bare number (`7`, or a short SHA
 * that happens to be all digits) is not: order those with `order: numeric`.
 */
export function parseLenientSemver(tag: string): semver.SemVer | null {
  const m = /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?((?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/.exec(tag);
  return m ? semver.parse(`${m[1]}.${m[2]}.${m[3] ?? '0'}${m[4]}`) : null;
}

const RFC3339 = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$/;

/** Nanoseconds since the epoch of an RFC 3339 date-time (`2025-01-31T12:00:00Z`, offsets, fractions), or undefined. */
export function parseBuildTime(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC rolls over (Feb 30 -> Mar 2): a date that does not round-trip does not exist.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (!m[8] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0'));
  return (BigInt(ms) - BigInt(offsetMinutes) * 60_000n) * 1_000_000n + fraction;
}

export function isBuildTime(text: string): boolean {
  return parseBuildTime(text) !== undefined;
}

export function checkBuildTime(text: string, what: string): void {
  if (!isBuildTime(text)) {
    throw new FerryError('input.invalid-build-time', `${what} "${text.slice(0, 64)}" is not an RFC 3339 date-time`, {
      hint: 'pass the build time in UTC or with an offset, e.g. 2025-01-31T12:00:00Z or 2025-01-31T13:00:00.250+01:00 (date -u +%Y-%m-%dT%H:%M:%SZ)',
    });
  }
}
