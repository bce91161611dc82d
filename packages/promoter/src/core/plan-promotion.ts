import { FerryError } from '@ferry/manifest-model';
import { checkPolicy, type PolicyReason, type PolicyVerdict, type PromotionPolicy } from './check-policy.js';
import type { BuildTimeRecord } from './order-versions.js';
import { planSetImage, type FileInput, type FilePlan, type ImageOccurrence } from './set-image.js';

/** Where an image lives in one environment: from ferry.yaml (`--app`) or from flags (`--file`). */
export interface PromotionTarget {
  app: string;
  env: string;
  /** Image repository to find, e.g. ghcr.io/acme/web (tag/digest ignored). */
  image: string;
  files: { path: string; key?: string | undefined }[];
  policy: PromotionPolicy;
  hold?: { reason: string; by?: string | undefined } | undefined;
  /**
   * Other apps of ferry.yaml whose targets this edit overlaps (`findGoverningApps`): each one's
   * hold and policy must allow the promotion too, so a shared file is as guarded as its strictest app.
   */
  guards?: PromotionGuard[] | undefined;
}

/** The hold and policy of one app in one environment, as ferry.yaml says. */
export interface PromotionGuard {
  app: string;
  env: string;
  policy: PromotionPolicy;
  hold?: { reason: string; by?: string | undefined } | undefined;
}

/** What to promote. At least one of tag and digest. */
export interface PromotionVersion {
  tag?: string | undefined;
  digest?: string | undefined;
  /** RFC 3339 time of the build (`--build-time`): orders it under `order: build-time`, recorded as `Ferry-Build-Time`. */
  buildTime?: string | undefined;
}

export interface PlanPromotionInput {
  target: PromotionTarget;
  version: PromotionVersion;
  /** Current content of each target file at the base commit; null when the file does not exist. */
  files: Map<string, string | null>;
  onOlder: 'skip' | 'refuse';
  /**
   * Build times the config repo records for versions (newest first): what `order: build-time`
   * compares the promoted build with. Read from history by the caller; empty when not needed.
   */
  recorded?: readonly BuildTimeRecord[] | undefined;
}

export interface VersionSummary { tag?: string | undefined; digest?: string | undefined }

export type PromotionPlan =
  | { outcome: 'change'; files: FilePlan[]; edits: FileInput[]; from: VersionSummary[]; to: VersionSummary; message: string }
  | { outcome: 'unchanged'; files: FilePlan[]; from: VersionSummary[]; to: VersionSummary; message: string }
  | { outcome: 'older'; files: FilePlan[]; from: VersionSummary[]; to: VersionSummary; message: string }
  | { outcome: 'refused'; reason: PolicyReason; from: VersionSummary[]; to: VersionSummary; message: string };

/**
 * Plans one promotion over file contents read at the base head: find the image in every target
 * file (missing file or image is `target.not-found`), apply the policy, then plan the edits.
 * Pure, so it is re-run unchanged on a fresh head after a rejected push.
 */
export function planPromotion(input: PlanPromotionInput): PromotionPlan {
  const { target, version } = input;
  const to: VersionSummary = { tag: version.tag, digest: version.digest };
  const groups = groupByKey(target.files);

  // Plan the edits first (pure): the occurrences they find are the versions in place.
  const plans: FilePlan[] = [];
  for (const [key, paths] of groups) {
    const files = paths.map((path) => {
      const content = input.files.get(path);
      if (content === null || content === undefined) {
        throw new FerryError('target.not-found', `${path} does not exist on the ${target.env} branch`, {
          file: path, hint: `check the files of app "${target.app}" in environment "${target.env}"`,
        });
      }
      return { path, content };
    });
    const plan = planSetImage(files, { image: target.image, tag: version.tag, digest: version.digest, key });
    for (const file of plan.files) {
      // A kustomization takes the image even without an entry (`kustomize edit set image` adds one).
      if (file.occurrences.length === 0 && file.kind !== 'kustomization') {
        throw new FerryError('target.not-found', `image ${target.image} not found in ${file.path}${key ? ` at key ${key}` : ''}`, {
          file: file.path, hint: key ? 'check --key / the file\'s key in ferry.yaml' : 'check the image name (registry and path must match)',
        });
      }
    }
    plans.push(...plan.files);
  }
  const occurrences = plans.flatMap((p) => p.occurrences);
  const from = distinctVersions(occurrences);

  const verdict = checkGuards(target, version, occurrences, input.onOlder, input.recorded);
  if (verdict.outcome === 'refused') return { outcome: 'refused', reason: verdict.reason, from, to, message: verdict.message };

  if (verdict.outcome === 'older') return { outcome: 'older', files: plans, from, to, message: verdict.message };

  const edits = plans.filter((p) => p.newContent !== null).map((p) => ({ path: p.path, content: p.newContent! }));
  if (edits.length === 0) {
    return { outcome: 'unchanged', files: plans, from, to, message: `${target.app} in ${target.env} is already at ${describeVersion(to)}; nothing to do` };
  }
  const note = verdict.outcome === 'allowed' && verdict.note ? ` (${verdict.note})` : '';
  return {
    outcome: 'change', files: plans, edits, from, to,
    message: `${target.app} in ${target.env}: ${describeVersions(from)} -> ${describeVersion(to)}${note}`,
  };
}

/**
 * The target's own policy and hold, then every governing app's: the first refusal wins, then
 * "older" (a late build is a no-op if any of them would not downgrade), else allowed.
 */
function checkGuards(target: PromotionTarget, version: PromotionVersion, occurrences: ImageOccurrence[], onOlder: 'skip' | 'refuse', recorded?: readonly BuildTimeRecord[]): PolicyVerdict {
  const currentTags = occurrences.map((o) => o.tag);
  const common = {
    newTag: version.tag, newDigest: version.digest, buildTime: version.buildTime, currentTags, onOlder, recorded,
    current: occurrences.map((o) => ({ tag: o.tag, digest: o.digest })),
  };
  const verdicts = [
    checkPolicy({ policy: target.policy, hold: target.hold, ...common }),
    ...(target.guards ?? []).map((guard): PolicyVerdict => {
      const verdict = checkPolicy({ policy: guard.policy, hold: guard.hold, ...common });
      if (verdict.outcome !== 'refused') return verdict;
      return { ...verdict, message: `app "${guard.app}" (environment ${guard.env}) in ferry.yaml governs the image in ${describeFiles(target)}: ${verdict.message}` };
    }),
  ];
  return verdicts.find((v) => v.outcome === 'refused') ?? verdicts.find((v) => v.outcome === 'older') ?? verdicts[0] ?? { outcome: 'allowed' };
}

function describeFiles(target: PromotionTarget): string {
  return target.files.map((f) => f.path).join(', ');
}

/** `1.4.2`, `1.4.2@sha256:0123abcd`, or `sha256:0123abcd` for digest-only. */
export function describeVersion(v: VersionSummary): string {
  const digest = v.digest ? shortDigest(v.digest) : undefined;
  if (v.tag && digest) return `${v.tag}@${digest}`;
  return v.tag ?? digest ?? '(none)';
}

export function describeVersions(vs: VersionSummary[]): string {
  return vs.length ? vs.map(describeVersion).join(', ') : '(none)';
}

/** The full image reference of the promoted version, for trailers and outputs. */
export function formatPromotedImage(image: string, v: VersionSummary): string {
  const name = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return `${name}${v.tag ? `:${v.tag}` : ''}${v.digest ? `@${v.digest}` : ''}`;
}

function shortDigest(digest: string): string {
  const [algo, hex] = digest.split(':');
  return hex ? `${algo}:${hex.slice(0, 12)}` : digest;
}

function groupByKey(files: { path: string; key?: string | undefined }[]): Map<string | undefined, string[]> {
  const groups = new Map<string | undefined, string[]>();
  for (const f of files) groups.set(f.key, [...(groups.get(f.key) ?? []), f.path]);
  return groups;
}

function distinctVersions(occurrences: ImageOccurrence[]): VersionSummary[] {
  const seen = new Map<string, VersionSummary>();
  for (const o of occurrences) seen.set(`${o.tag ?? ''}@${o.digest ?? ''}`, { tag: o.tag, digest: o.digest });
  return [...seen.values()];
}
