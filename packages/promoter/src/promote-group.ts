import { FerryError, isSameRepository, type FerryConfig } from '@ferry/manifest-model';
import { formatUnifiedDiff } from './core/format-diff.js';
import { formatGroupCommitMessage, formatGroupPullRequest } from './core/format-group-promotion.js';
import type { PromotionDescription } from './core/format-promotion.js';
import { formatGroupBranch } from './core/promotion-branch.js';
import { readPromotionRecordSet, type PromotionTrailers } from './core/promotion-trailers.js';
import { describeVersion, formatPromotedImage, planPromotion, type PromotionPlan, type PromotionTarget, type PromotionVersion, type VersionSummary } from './core/plan-promotion.js';
import { openOrUpdatePullRequest, requestMerge, waitForMerge } from './core/pull-request-flow.js';
import type { PolicyReason } from './core/check-policy.js';
import type { BuildTimeRecord } from './core/order-versions.js';
import { closeAndDelete } from './close-pointless-pull-request.js';
import type { ConfigRepository } from './ports.js';
import { enforceGate, type GateOutcome } from './promotion-gate.js';
import {
  applyGoverningApps, createRetries, undoBranch, union,
  type PendingBranch, type PromoteOptions, type PromoteOutcome, type PromoteResult,
} from './promote.js';
import { readRecordedBuildTimes, withBuildTime } from './read-build-times.js';
import { settleGroupPullRequestText } from './settle-group-pull-request.js';
import { CONFIG_FILE, readFerryConfig, resolvePromotion, type ResolvedPromotion } from './resolve-promotion.js';
import { verifyImage, type VerifiedImage } from './verify-image.js';

/** One image of a group: its app in ferry.yaml (found by the image's repository when not named). */
export interface GroupImage {
  app?: string | undefined;
  image: { name: string; tag?: string | undefined; digest?: string | undefined };
}

export interface PromoteGroupOptions extends Omit<PromoteOptions, 'app' | 'files' | 'image' | 'fromEnv' | 'order' | 'override'> {
  /** Two or more images built by one CI run, promoted into `env` as one commit (or one pull request). */
  images: GroupImage[];
}

/** `blocked`: this app would have changed, but another app of the group was refused, so nothing was. */
export type GroupMemberOutcome = PromoteOutcome | 'blocked';

export interface GroupMemberResult {
  app: string;
  outcome: GroupMemberOutcome;
  changed: boolean;
  message: string;
  /** The promoted image reference (name with the new tag and/or digest). */
  image: string;
  from: VersionSummary[];
  to: VersionSummary;
  files: PromoteResult['files'];
  reason?: PolicyReason | 'gate' | undefined;
  gate?: GateOutcome | undefined;
  verified?: VerifiedImage | undefined;
  /** The version written is the one already pending on the group's branch (a newer build of this app). */
  keptPending?: boolean | undefined;
}

export interface PromoteGroupResult {
  /** The group's: `refused` when any app was refused (nothing pushed), else how the one commit landed. */
  outcome: PromoteOutcome;
  changed: boolean;
  message: string;
  env: string;
  /** The apps of the group, in the order given. */
  group: string[];
  apps: GroupMemberResult[];
  branch: string;
  push: 'pr' | 'direct';
  reason?: PolicyReason | 'gate' | undefined;
  /** The apps whose guards refused the group. */
  refusedApps?: string[] | undefined;
  commit?: string | undefined;
  diff?: string | undefined;
  pullRequest?: PromoteResult['pullRequest'];
  merge?: PromoteResult['merge'];
  mergeSha?: string | undefined;
  /** The group's open pull request, closed because the environment already holds every version it would promote (or newer). */
  closedPullRequest?: { number: number; url: string; branch: string; branchDeleted: boolean; dryRun: boolean; message: string } | undefined;
  attempts: number;
}

interface ResolvedGroup {
  members: ResolvedPromotion[];
  configText: string | null;
}

type GroupAttempt = { kind: 'done'; result: Omit<PromoteGroupResult, 'attempts'> } | { kind: 'conflict'; branch: string };

/**
 * Several apps into one environment as one commit or one pull request, all or nothing. Every app
 * keeps its own guards (hold, policy, order, governing apps, the promotesFrom gate, the registry
 * check), evaluated on the same head on every attempt; a refusal of any app refuses the group and
 * pushes nothing. An app already at (or past) its version is left out of the commit; the others land.
 */
export async function promoteGroup(options: PromoteGroupOptions): Promise<PromoteGroupResult> {
  const progress = options.onProgress ?? (() => {});
  const { withTransientRetry, untilPushed } = createRetries(options, progress);

  progress('fetching ferry.yaml from the default branch');
  const first = await withTransientRetry(() => resolveGroup(options.repo, options));
  if (options.overrideGate !== undefined && !first.members[0]!.gate) {
    throw new FerryError('input.conflict', `--override-gate: environment ${options.env} has no promotesFrom gate to override`, { file: CONFIG_FILE, hint: 'drop --override-gate; nothing was pushed' });
  }
  // The registry's word on every image, before anything is written.
  const versions = new Map<string, PromotionVersion>();
  const verified = new Map<string, VerifiedImage>();
  for (const m of first.members) {
    const checked = await verifyImage({ registry: options.registry, image: m.target.image, version: m.version, flags: options, config: m.registryCheck, progress });
    versions.set(m.target.app, checked?.version ?? m.version);
    if (checked) verified.set(m.target.app, checked.verified);
  }
  let resolved: ResolvedGroup | undefined = { ...first, members: first.members.map((m) => ({ ...m, version: versions.get(m.target.app)! })) };

  const pending: PendingBranch<Omit<PromoteGroupResult, 'attempts'>> = { current: undefined };
  try {
    const { result, attempts } = await untilPushed(async () => {
      const current = resolved ?? await resolveGroup(options.repo, options, versions);
      resolved = undefined;
      return attemptGroup(options, current, progress, pending);
    }, 're-reading ferry.yaml and re-applying the group on the new head');
    return { ...result, attempts, apps: result.apps.map((a) => (verified.has(a.app) ? { ...a, verified: verified.get(a.app) } : a)) };
  } catch (err) {
    if (pending.current) await undoBranch(options.repo, pending.current, progress);
    throw err;
  }
}

/** Each image's app and settings from one read of ferry.yaml (one head for the whole group). */
async function resolveGroup(repo: ConfigRepository, options: PromoteGroupOptions, pinned?: Map<string, PromotionVersion>): Promise<ResolvedGroup> {
  if (options.images.length === 0) throw new FerryError('input.missing', 'a group promotion needs at least one image', { hint: 'pass --image once per app' });
  const read = await readFerryConfig(repo);
  if (!read.config) throw new FerryError('config.not-found', `promoting several images needs ${CONFIG_FILE} at the root of the repository's default branch`, { hint: 'add ferry.yaml (docs/ferry-yaml.md): each image\'s app comes from there' });
  const members: ResolvedPromotion[] = [];
  for (const image of options.images) {
    const app = image.app ?? findAppOfImage(read.config, options.env, image.image.name);
    if (members.some((m) => m.target.app === app)) {
      throw new FerryError('input.conflict', `app ${app} is given twice in the group`, { hint: 'pass one --image per app; nothing was pushed' });
    }
    members.push(await resolvePromotion(repo, { env: options.env, app, image: image.image, buildTime: options.buildTime }, pinned?.get(app), read));
  }
  return { members, configText: read.text };
}

/** The one app of `env` whose image is this repository; several or none is an error naming them. */
function findAppOfImage(config: FerryConfig, env: string, image: string): string {
  const apps = Object.entries(config.apps).filter(([, a]) => a.environments[env] !== undefined && isSameRepository(a.image, image)).map(([name]) => name);
  if (apps.length === 1) return apps[0]!;
  if (apps.length === 0) {
    throw new FerryError('target.not-found', `no app of environment ${env} in ${CONFIG_FILE} has the image ${image}`, { file: CONFIG_FILE, hint: 'check the image name, or name the app: --image APP=NAME:TAG' });
  }
  throw new FerryError('input.ambiguous', `apps ${apps.join(', ')} of environment ${env} all have the image ${image}`, { file: CONFIG_FILE, hint: `name the app: --image ${apps[0]}=${image}:TAG` });
}

interface MemberPlan {
  member: ResolvedPromotion;
  target: PromotionTarget;
  version: PromotionVersion;
  plan: PromotionPlan;
  /** This run's own version is newer than what is in place (and than what the group branch holds). */
  ownIsNewer: boolean;
  keptPending: boolean;
}

/** One attempt on one head: every app's guards on the files of the commit the push names as its expected old id. */
async function attemptGroup(options: PromoteGroupOptions, group: ResolvedGroup, progress: (m: string) => void, pending: PendingBranch<Omit<PromoteGroupResult, 'attempts'>>): Promise<GroupAttempt> {
  const { repo } = options;
  const [lead] = group.members as [ResolvedPromotion, ...ResolvedPromotion[]];
  const { environment } = lead;
  const apps = group.members.map((m) => m.target.app);
  const push = options.push ?? environment.push ?? (options.host ? 'pr' : 'direct');
  if (push === 'pr' && !options.host && !options.dryRun) throw new FerryError('input.missing', '--push pr needs GitHub access', { hint: 'set GITHUB_TOKEN (or a GitHub App) or use --push direct' });
  const baseBranch = environment.branch;
  const onDefault = lead.defaultBranch.branch === baseBranch;
  if (!onDefault) progress(`fetching ${baseBranch}`);
  const base = onDefault ? lead.defaultBranch.head : await repo.fetchBranch(baseBranch);
  if (base === null) throw new FerryError('target.not-found', `branch ${baseBranch} of environment ${options.env} does not exist`, { hint: 'check `branch` in ferry.yaml' });
  if (pending.unconfirmed?.commit === base) return { kind: 'done', result: pending.unconfirmed.result };
  pending.unconfirmed = undefined;
  const prBranch = formatGroupBranch(options.env, apps);
  const branch = push === 'pr' ? prBranch : baseBranch;

  // What the group's branch already holds: a newer pending build of an app wins over this one's.
  const seen = push === 'pr' && !options.dryRun ? await repo.fetchBranch(prBranch) : null;
  const pendingRecords = seen ? await readGroupBranchOwner(repo, prBranch, seen, group.members) : [];
  const allPaths = [...new Set(group.members.flatMap((m) => m.target.files.map((f) => f.path)))];
  const files = await repo.readFiles(base, allPaths);
  const seenFiles = seen ? await repo.readFiles(seen, allPaths) : undefined;

  const working = new Map(files);
  const plans: MemberPlan[] = [];
  for (const member of group.members) {
    const { target } = applyGoverningApps(member, files, false);
    const recorded = await readRecordedBuildTimes(repo, target, baseBranch, base);
    let version = withBuildTime(member.version, recorded);
    let ownIsNewer: boolean | undefined;
    let keptPending = false;
    const held = pendingRecords.find((r) => r.app === target.app);
    if (held && seenFiles) {
      const pendingRecorded: BuildTimeRecord[] = held.buildTime ? [{ tag: held.reference.tag, digest: held.reference.digest, buildTime: held.buildTime }, ...recorded] : recorded;
      const against = planPromotion({ target, version, files: seenFiles, onOlder: 'skip', recorded: pendingRecorded });
      if (against.outcome === 'refused') {
        plans.push({ member, target, version, plan: { ...against, message: `${prBranch} holds a pending promotion of ${target.app}: ${against.message}` }, ownIsNewer: false, keptPending: false });
        continue;
      }
      ownIsNewer = against.outcome === 'change';
      if (against.outcome === 'older') {
        version = { tag: held.reference.tag, digest: held.reference.digest, ...(held.buildTime ? { buildTime: held.buildTime } : {}) };
        keptPending = true;
      }
    }
    const plan = planPromotion({ target, version, files: working, onOlder: 'skip', recorded });
    if (plan.outcome === 'change') for (const edit of plan.edits) working.set(edit.path, edit.content);
    plans.push({ member, target, version, plan, ownIsNewer: ownIsNewer ?? plan.outcome === 'change', keptPending });
  }

  const summaries = plans.map((p) => summariseMember(p));
  const done = (result: Omit<PromoteGroupResult, 'attempts'>): GroupAttempt => ({ kind: 'done', result });
  const common = { env: options.env, group: apps, branch, push, changed: false };

  const refused = plans.filter((p) => p.plan.outcome === 'refused');
  if (refused.length) return done(refusedGroup(common, summaries, refused.map((p) => ({ app: p.target.app, reason: (p.plan as { reason: PolicyReason }).reason, message: p.plan.message }))));

  // Every app whose version is behind the one in place or pending: the group has nothing newer.
  if (!plans.some((p) => p.ownIsNewer)) {
    const older = plans.filter((p) => p.plan.outcome === 'older' || p.keptPending);
    const pr = seen && options.host ? await options.host.findOpenPullRequest(prBranch, baseBranch) : undefined;
    const outcome: PromoteOutcome = older.length ? 'older' : 'unchanged';
    const apps2 = summaries.map((s, i) => (plans[i]!.keptPending ? { ...s, outcome: 'older' as const, message: `a newer version of ${s.app} is already pending on ${prBranch}` } : s));
    const message = outcome === 'older' ? `nothing newer to promote: ${older.map((p) => p.target.app).join(', ')} ${older.length === 1 ? 'is' : 'are'} older than the version in place or pending${pr ? ` (#${pr.number})` : ''}` : `every app of the group is already at its version in ${options.env}; nothing to do`;
    // The base already holds every version the group's pull request would promote (or newer): it is pointless.
    const pointless = seen && pr && (!pr.headSha || pr.headSha === seen) && !plans.some((p) => p.plan.outcome === 'change');
    if (pointless) {
      const why = `${baseBranch} already holds every version the group's pull request would promote, or a newer one (${plans.map((p) => `${p.target.app} ${p.plan.from.map(describeVersion).join(', ')}`).join('; ')})`;
      const closed = options.dryRun
        ? { branchDeleted: false, message: `would close pull request #${pr.number} and delete ${prBranch}: ${why}` }
        : await closeAndDelete({ repo, host: options.host!, number: pr.number, branch: prBranch, seen, why, comment: `this pull request has nothing left to promote. ${why} (commit \`${base.slice(0, 12)}\`)`, progress }).then((deleted) => ({
          branchDeleted: deleted, message: `closed pull request #${pr.number} (${why})${deleted ? ` and deleted ${prBranch}` : ''}`,
        }));
      return done({ ...common, outcome, apps: apps2, message: `${message}; ${closed.message}`, closedPullRequest: { number: pr.number, url: pr.url, branch: prBranch, dryRun: options.dryRun === true, ...closed } });
    }
    return done({ ...common, outcome, apps: apps2, message, ...(pr ? { pullRequest: { number: pr.number, url: pr.url, action: 'unchanged' as const } } : {}) });
  }

  const changing = plans.filter((p): p is MemberPlan & { plan: Extract<PromotionPlan, { outcome: 'change' }> } => p.plan.outcome === 'change');
  // The gate is a guard like hold and policy: checked for every changing app on every attempt.
  const gates = new Map<string, GateOutcome>();
  for (const p of changing) {
    const gate = await enforceGate({ gate: p.member.gate, app: p.target.app, env: p.target.env, version: p.version, reader: options.gate, overrideReason: options.overrideGate, now: options.clock.now() });
    if (!gate) continue;
    progress(gate.message);
    gates.set(p.target.app, gate);
  }
  const gateRefusals = changing.filter((p) => gates.get(p.target.app)?.outcome === 'refused');
  if (gateRefusals.length) {
    return done(refusedGroup(common, summaries.map((s) => ({ ...s, ...(gates.has(s.app) ? { gate: gates.get(s.app) } : {}) })), gateRefusals.map((p) => ({ app: p.target.app, reason: 'gate' as const, message: gates.get(p.target.app)!.message }))));
  }

  const descriptions: PromotionDescription[] = changing.map((p) => {
    const gate = gates.get(p.target.app);
    return {
      app: p.target.app, env: p.target.env, image: p.target.image, from: p.plan.from, to: p.plan.to, files: p.plan.files,
      sourceCommit: options.sourceCommit, buildUrl: options.buildUrl, buildTime: p.version.buildTime, ...(gate?.outcome === 'overridden' ? { gateOverride: gate.reason } : {}),
    };
  });
  const finalFiles = [...new Set(changing.flatMap((p) => p.plan.edits.map((e) => e.path)))];
  const edits = finalFiles.map((path) => ({ path, content: working.get(path)! }));
  const diff = edits.map((e) => formatUnifiedDiff(e.path, files.get(e.path) ?? '', e.content)).join('');
  const names = changing.map((p) => p.target.app).join(', ');
  const withGates = summaries.map((s) => (gates.has(s.app) ? { ...s, gate: gates.get(s.app) } : s));
  const landed = (outcome: PromoteOutcome): GroupMemberResult[] => withGates.map((s) => (s.changed ? { ...s, outcome } : s));
  if (options.dryRun) {
    return done({ ...common, outcome: 'dry-run', changed: true, diff, apps: landed('dry-run'), message: `dry run: would ${push === 'pr' ? `open a pull request from ${prBranch}` : `commit to ${baseBranch}`}: ${names}` });
  }

  const message = formatGroupCommitMessage(descriptions);
  const commit = await repo.writeCommit({ parent: base, files: edits, message });
  if (push === 'direct') {
    progress(`pushing ${commit.slice(0, 12)} (${names}) to ${baseBranch}`);
    const promoted: Omit<PromoteGroupResult, 'attempts'> = {
      ...common, outcome: 'promoted', changed: true, commit, diff, mergeSha: commit, apps: landed('promoted'),
      message: `promoted ${names} to ${options.env} in one commit (${commit.slice(0, 12)} on ${baseBranch})`,
    };
    pending.unconfirmed = { branch: baseBranch, commit, result: promoted };
    if ((await repo.pushBranch({ branch: baseBranch, commit, expected: base })) === 'rejected') return { kind: 'conflict', branch: baseBranch };
    return done(promoted);
  }

  const host = options.host!;
  progress(`pushing ${commit.slice(0, 12)} (${names}) to ${prBranch}`);
  if ((await repo.pushBranch({ branch: prBranch, commit, expected: seen })) === 'rejected') return { kind: 'conflict', branch: prBranch };
  pending.current = { branch: prBranch, commit, previous: pending.current?.previous ?? seen };
  const { title, body } = formatGroupPullRequest(descriptions, apps);
  progress(`opening or updating the pull request from ${prBranch}`);
  const opened = await openOrUpdatePullRequest(host, {
    head: prBranch, base: baseBranch, title, body,
    labels: union(environment.labels, options.pullRequest?.labels), reviewers: union(environment.reviewers, options.pullRequest?.reviewers),
    teamReviewers: union(environment.teamReviewers, options.pullRequest?.teamReviewers), draft: options.pullRequest?.draft,
  });
  pending.current = undefined;
  const settled = await settleGroupPullRequestText({ repo, host, targets: plans.map((p) => p.target), prBranch, prNumber: opened.pr.number, described: commit, baseFiles: files });
  if (settled === 'redescribed') progress(`a newer build of the group moved ${prBranch} meanwhile; #${opened.pr.number} describes it again`);
  const pr = { ...opened.pr, headSha: opened.pr.headSha || commit };
  const result: Omit<PromoteGroupResult, 'attempts'> = {
    ...common, outcome: 'pull-request', changed: true, commit, diff, apps: landed('pull-request'),
    pullRequest: { number: pr.number, url: pr.url, action: opened.action, ...(opened.superseded ? { superseded: opened.superseded } : {}) },
    message: `${opened.action === 'created' ? 'opened' : 'updated'} pull request #${pr.number} (${pr.url}) promoting ${names} to ${options.env}`,
  };
  const autoMerge = !options.pullRequest?.draft && (options.autoMerge ?? environment.autoMerge);
  if (autoMerge) {
    progress(`requesting merge of #${pr.number}`);
    const merge = await requestMerge(host, pr, options.pullRequest?.mergeMethod ?? environment.mergeMethod, true);
    result.merge = merge.mode === 'merged' ? { mode: 'merged', sha: merge.sha } : { mode: merge.mode };
    if (merge.mode === 'merged') Object.assign(result, { outcome: 'promoted', mergeSha: merge.sha, apps: landed('promoted'), message: `merged pull request #${pr.number} as ${merge.sha.slice(0, 12)}: ${names} promoted to ${options.env}` });
  }
  if (options.waitMergedMs !== undefined && result.outcome !== 'promoted') {
    const waited = await waitForMerge(host, pr.number, {
      timeoutMs: options.waitMergedMs, pollMs: options.pollMs ?? 5_000, clock: options.clock,
      onProgress: (_pr, elapsed) => progress(`waiting for #${pr.number} to merge (${Math.round(elapsed / 1000)}s)`),
    });
    const outcome: PromoteOutcome = waited.outcome === 'merged' ? 'promoted' : waited.outcome === 'closed' ? 'closed' : 'timeout';
    Object.assign(result, {
      outcome, apps: landed(outcome), ...(waited.outcome === 'merged' ? { mergeSha: waited.sha } : {}),
      message: waited.outcome === 'merged' ? `pull request #${pr.number} merged as ${waited.sha.slice(0, 12)}: ${names} promoted to ${options.env}`
        : waited.outcome === 'closed' ? `pull request #${pr.number} was closed without merging` : `pull request #${pr.number} was not merged within ${Math.round(options.waitMergedMs / 1000)}s`,
    });
  }
  return done(result);
}

/**
 * The group's branch may be force-updated only when its head is this group's promotion: every
 * record (a group commit, or a single-app commit of a group in which one app changed) names an
 * app of the group, this environment and that app's image repository. Returns the pending records.
 */
async function readGroupBranchOwner(repo: ConfigRepository, branch: string, head: string, members: ResolvedPromotion[]): Promise<PromotionTrailers[]> {
  const records = readPromotionRecordSet(await repo.readCommitMessage(head));
  const mine = (r: PromotionTrailers) => members.some((m) => m.target.app === r.app && m.target.env === r.env && isSameRepository(r.reference, m.target.image));
  if (records?.length && records.every(mine)) return records;
  const holds = records ? `a promotion of ${records.map((r) => `${r.app} (${r.image}, environment ${r.env})`).join(', ')}` : 'a commit that is not a Ferry promotion (no valid Ferry trailers)';
  throw new FerryError('refused.branch-taken', `group promotion branch ${branch} holds ${holds} at ${head.slice(0, 12)}, not a promotion of this group (${members.map((m) => m.target.app).join(', ')}); it was left alone`, {
    hint: `if that branch and its pull request are stale, close the pull request and delete ${branch}, then run again`,
  });
}

function summariseMember(p: MemberPlan): GroupMemberResult {
  const { plan, target } = p;
  const files = 'files' in plan
    ? plan.files.filter((f) => f.changes.length).map((f) => ({ path: f.path, changes: f.changes.map((c) => ({ line: c.line, field: c.yamlPath.join('.'), old: c.old, new: c.new })) }))
    : [];
  return {
    app: target.app, outcome: plan.outcome === 'change' ? 'promoted' : plan.outcome, changed: plan.outcome === 'change', message: plan.message,
    image: formatPromotedImage(target.image, plan.to), from: plan.from, to: plan.to, files,
    ...(plan.outcome === 'refused' ? { reason: plan.reason } : {}), ...(p.keptPending ? { keptPending: true } : {}),
  };
}

/** Any refusal refuses the group: the refused apps say why, every app that would have changed is `blocked`. */
function refusedGroup(
  common: Pick<PromoteGroupResult, 'env' | 'group' | 'branch' | 'push' | 'changed'>, summaries: GroupMemberResult[],
  refusals: { app: string; reason: PolicyReason | 'gate'; message: string }[],
): Omit<PromoteGroupResult, 'attempts'> {
  const refusedApps = refusals.map((r) => r.app);
  const apps = summaries.map((s): GroupMemberResult => {
    const own = refusals.find((r) => r.app === s.app);
    if (own) return { ...s, outcome: 'refused', changed: false, reason: own.reason, message: own.message };
    if (!s.changed) return s;
    return { ...s, outcome: 'blocked', changed: false, message: `not promoted: ${refusedApps.join(', ')} of the same group ${refusedApps.length === 1 ? 'was' : 'were'} refused (all or nothing)` };
  });
  const [firstRefusal] = refusals;
  return {
    ...common, outcome: 'refused', apps, refusedApps, reason: firstRefusal!.reason,
    message: `group refused, nothing pushed: ${refusals.map((r) => `${r.app}: ${r.message}`).join('; ')}`,
  };
}
