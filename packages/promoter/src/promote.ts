import { FerryError } from '@ferry/manifest-model';
import { formatUnifiedDiff } from './core/format-diff.js';
import { formatCommitMessage, formatPromotionBranch, formatPullRequest, promotionSubjectOf, type PromotionDescription } from './core/format-promotion.js';
import { checkBranchOwner } from './check-branch-owner.js';
import { closePointlessPullRequest, closeRemovedAppPullRequests, type ClosedPullRequest } from './close-pointless-pull-request.js';
import { findGoverningApps } from './core/find-governing-apps.js';
import { formatPromotedImage, planPromotion, type PromotionPlan, type PromotionTarget, type PromotionVersion, type VersionSummary } from './core/plan-promotion.js';
import { openOrUpdatePullRequest, requestMerge, waitForMerge, type Clock, type PullRequestHost } from './core/pull-request-flow.js';
import type { PolicyReason } from './core/check-policy.js';
import type { ConfigRepository, GateEvidenceReader, ImageRegistry } from './ports.js';
import { enforceGate, type GateOutcome } from './promotion-gate.js';
import { settlePullRequestText } from './settle-pull-request.js';
import { verifyImage, type VerifiedImage } from './verify-image.js';
import type { BuildTimeRecord } from './core/order-versions.js';
import { readRecordedBuildTimes, withBuildTime, withPendingBuildTime } from './read-build-times.js';
import { CONFIG_FILE, readGuards, resolvePromotion, type PromotionRequest, type ResolvedPromotion } from './resolve-promotion.js';

export interface PromoteOptions extends PromotionRequest {
  repo: ConfigRepository;
  /** Needed for `push: 'pr'`. */
  host?: PullRequestHost | undefined;
  /** Default: the environment's `push` from ferry.yaml, else `pr` when a host is given, else `direct`. */
  push?: 'pr' | 'direct' | undefined;
  autoMerge?: boolean | undefined;
  /** Pull request settings added to (labels, reviewers) or replacing (merge method, draft) the environment's. */
  pullRequest?: PullRequestSettings | undefined;
  /** Wait until the PR is merged or closed, at most this long. */
  waitMergedMs?: number | undefined;
  pollMs?: number | undefined;
  sourceCommit?: string | undefined;
  buildUrl?: string | undefined;
  dryRun?: boolean | undefined;
  clock: Clock;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  onProgress?: (message: string) => void;
  /** `ferry rollback` (history/): a human-chosen version and extra edits in the same commit. */
  override?: PromotionOverride | undefined;
  /** Reads the source environment's statuses for the `promotesFrom` gate (live/read-gate-evidence.ts). */
  gate?: GateEvidenceReader | undefined;
  /** `--override-gate REASON`: promote past the gate; the reason lands in a trailer and the PR body. */
  overrideGate?: string | undefined;
  /** Asked before anything is written when `verifyImage` / `pinDigest` (flags or ferry.yaml) say so (verify-image.ts). */
  registry?: ImageRegistry | undefined;
  /** `--verify-image`: the tag must exist in the registry (exit 3 when it does not). */
  verifyImage?: boolean | undefined;
  /** `--pin-digest`: write the registry's digest beside the tag (implies verifyImage). */
  pinDigest?: boolean | undefined;
}

export interface PullRequestSettings {
  labels?: string[] | undefined;
  reviewers?: string[] | undefined;
  teamReviewers?: string[] | undefined;
  mergeMethod?: 'merge' | 'squash' | 'rebase' | undefined;
  /** Open the pull request as a draft: nothing merges it (no auto-merge) until a human marks it ready. */
  draft?: boolean | undefined;
}

export interface PromotionOverride {
  /** Policy and hold do not apply: a human chose this version. */
  ignorePolicy: boolean;
  /** More file edits for the same commit (ferry.yaml's hold), from files read at the base commit. */
  extraEdits?: (read: (paths: string[]) => Promise<Map<string, string | null>>) => Promise<{ path: string; content: string }[]>;
  /** Rewrites the commit message and the pull request title and body (marking a rollback). */
  describe?: { commitMessage(message: string): string; pullRequest(pr: { title: string; body: string }): { title: string; body: string } };
}

export interface RetryPolicy {
  /** Rejected pushes (someone else moved the branch) before giving up. */
  conflicts: number;
  /** Transient git/GitHub failures (5xx, cut connections) before giving up. */
  transient: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

// A rejected push means another promotion landed (no livelock), so N simultaneous writers need at
// most N-1 retries each: 100 covers a hundred builds racing into one branch.
export const DEFAULT_RETRY: RetryPolicy = { conflicts: 100, transient: 5, baseDelayMs: 100, maxDelayMs: 3_000 };

export type PromoteOutcome =
  /** Committed to the branch (direct) or merged (PR + wait or REST merge). */
  | 'promoted'
  /** PR opened or updated; auto-merge may finish it later. */
  | 'pull-request'
  | 'unchanged'
  /** A newer version is already in place (or pending in the promotion PR). */
  | 'older'
  | 'refused'
  | 'dry-run'
  | 'closed'
  | 'timeout';

export interface PromoteResult {
  outcome: PromoteOutcome;
  changed: boolean;
  message: string;
  app: string;
  env: string;
  image: string;
  from: VersionSummary[];
  to: VersionSummary;
  branch: string;
  push: 'pr' | 'direct';
  files: { path: string; changes: { line: number; field: string; old: string; new: string }[] }[];
  commit?: string;
  reason?: PolicyReason | 'gate';
  /** The `promotesFrom` gate: what it found, or the override. */
  gate?: GateOutcome;
  /** What the registry said (`--verify-image`, `--pin-digest`). */
  verified?: VerifiedImage;
  diff?: string;
  pullRequest?: { number: number; url: string; action: 'created' | 'updated' | 'unchanged'; superseded?: string };
  /**
   * Promotion PRs this run found pointless, closed with a comment and their branches deleted: its own
   * subject's when the environment holds that version or a newer one, and those of apps ferry.yaml
   * no longer has in the environment (close-pointless-pull-request.ts).
   */
  closedPullRequests?: ClosedPullRequest[];
  merge?: { mode: 'auto-merge' | 'merged' | 'head-moved' | 'not-mergeable'; sha?: string };
  mergeSha?: string;
  attempts: number;
}

/**
 * fetch -> plan -> policy -> commit -> push (direct or PR branch) -> PR -> merge -> wait.
 * A rejected push re-reads the files at the new head and plans again, so a concurrent promotion
 * of another app is kept and an older build never overwrites a newer one.
 */
export async function promote(options: PromoteOptions): Promise<PromoteResult> {
  const progress = options.onProgress ?? (() => {});
  const { withTransientRetry, untilPushed } = createRetries(options, progress);

  // Flags and the version are checked once; every attempt resolves ferry.yaml again (resolveAttempt).
  progress('fetching ferry.yaml from the default branch');
  const first = await withTransientRetry(() => resolvePromotion(options.repo, options));
  if (options.overrideGate !== undefined && !first.gate && !options.override) {
    throw new FerryError('input.conflict', `--override-gate: environment ${options.env} has no promotesFrom gate to override`, { file: CONFIG_FILE, hint: 'drop --override-gate; nothing was pushed' });
  }
  // The registry's word on the version, before anything is written; a rollback (override) is exempt.
  const checked = options.override ? undefined : await verifyImage({
    registry: options.registry, image: first.target.image, version: first.version, flags: options, config: first.registryCheck, progress,
  });
  const version = checked?.version ?? first.version;
  let resolved: ResolvedPromotion | undefined = checked ? { ...first, version } : first;

  // A promotion branch we moved whose pull request step has not succeeded yet: undone on failure.
  const pending: PendingBranch = { current: undefined };
  try {
    return await loop();
  } catch (err) {
    if (pending.current) await undoBranch(options.repo, pending.current, progress);
    throw err;
  }

  async function loop(): Promise<PromoteResult> {
    const { result, attempts } = await untilPushed(async () => {
      // The first attempt builds on the head its resolution just read; every later one reads again.
      const current = resolved ?? await resolveAttempt(options, version, progress);
      resolved = undefined;
      return attempt(options, current, progress, pending);
    }, 're-reading ferry.yaml and re-applying on the new head');
    return withRemovedAppsClosed({ ...result, attempts, ...(checked ? { verified: checked.verified } : {}) });
  }

  /** A pull request run also closes the open promotion PRs of apps removed from the environment. */
  async function withRemovedAppsClosed(result: PromoteResult): Promise<PromoteResult> {
    if (result.push !== 'pr' || !options.host || options.override || !first.configFound) return result;
    const host = options.host;
    const removed = await withTransientRetry(() => closeRemovedAppPullRequests({
      repo: options.repo, host, env: options.env, baseBranch: first.environment.branch, configText: first.configText,
      defaultBranch: first.defaultBranch, dryRun: options.dryRun === true, progress,
    }));
    if (!removed.length) return result;
    return { ...result, closedPullRequests: [...(result.closedPullRequests ?? []), ...removed], message: [result.message, ...removed.map((c) => c.message)].join('; ') };
  }
}

/** One attempt of a promotion: done, or its compare-and-swap push was refused because `branch` moved meanwhile. */
export type Attempt<R> = { kind: 'done'; result: R } | { kind: 'conflict'; branch: string };

/**
 * The retries of one promotion, of one app or a group: transient failures (5xx, cut connections)
 * share one budget across the whole run (withTransientRetry); untilPushed runs attempts, each under
 * that budget, backing off after a rejected push until one is done or the conflict budget is spent.
 */
export function createRetries(options: Pick<PromoteOptions, 'retry' | 'random' | 'clock'>, progress: (m: string) => void) {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;
  let conflicts = 0;
  let transient = 0;
  let attempts = 0;

  async function withTransientRetry<T>(run: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (!isTransient(err)) throw err;
        transient++;
        if (transient >= retry.transient) throw exhausted(err, transient);
        progress(`${(err as Error).message}; retrying`);
        await options.clock.sleep(backoff(transient, retry, random));
      }
    }
  }

  /** `reapplying` says what the next attempt does after a rejected push. Returns the result and the attempts made (transient retries included). */
  async function untilPushed<R>(attempt: () => Promise<Attempt<R>>, reapplying: string): Promise<{ result: R; attempts: number }> {
    for (;;) {
      const result = await withTransientRetry(async () => {
        attempts++;
        return attempt();
      });
      if (result.kind === 'done') return { result: result.result, attempts };
      conflicts++;
      if (conflicts >= retry.conflicts) {
        throw new FerryError('git.conflict', `gave up after ${conflicts} rejected pushes to ${result.branch}: the branch keeps moving`, { hint: 'run again; nothing was changed by this run' });
      }
      progress(`push to ${result.branch} was rejected (moved meanwhile); ${reapplying}`);
      await options.clock.sleep(backoff(conflicts, retry, random));
    }
  }

  return { withTransientRetry, untilPushed };
}

/**
 * A retry's view of ferry.yaml: read again from the default branch's current head, so hold, policy,
 * files, environment and governing apps are those of the head this attempt builds on (a rollback
 * that landed meanwhile, with its hold, is seen). A ferry.yaml that became invalid or lost the app
 * stops the promotion with that error; nothing of this run was pushed.
 */
async function resolveAttempt(options: PromoteOptions, version: PromotionVersion, progress: (m: string) => void): Promise<ResolvedPromotion> {
  progress('re-reading ferry.yaml from the default branch');
  try {
    return await resolvePromotion(options.repo, options, version);
  } catch (err) {
    if (!(err instanceof FerryError) || isTransient(err)) throw err;
    throw new FerryError(err.code, `${err.message} (ferry.yaml changed while this promotion was retrying a rejected push)`, {
      cause: err, ...(err.file !== undefined ? { file: err.file } : {}), ...(err.line !== undefined ? { line: err.line } : {}),
      ...(err.column !== undefined ? { column: err.column } : {}), hint: `${err.hint ? `${err.hint}; ` : ''}nothing was pushed by this run`,
    });
  }
}

type AttemptResult =
  | { kind: 'done'; result: Omit<PromoteResult, 'attempts'> }
  /** The compare-and-swap push was refused: `branch` moved meanwhile. */
  | { kind: 'conflict'; branch: string };

export interface PendingBranch<R = Omit<PromoteResult, 'attempts'>> {
  current: { branch: string; commit: string; previous: string | null } | undefined;
  /**
   * A direct push whose answer was lost (cut connection): it may have landed. If the retry finds the
   * branch exactly at this commit, it did, and this is the run's result (not "unchanged").
   */
  unconfirmed?: { branch: string; commit: string; result: R } | undefined;
}

/** Puts a promotion branch back where it was (or deletes it), only if it is still at our commit. */
export async function undoBranch(repo: ConfigRepository, moved: NonNullable<PendingBranch['current']>, progress: (m: string) => void): Promise<void> {
  try {
    const outcome = moved.previous === null
      ? await repo.deleteBranch({ branch: moved.branch, expected: moved.commit })
      : await repo.pushBranch({ branch: moved.branch, commit: moved.previous, expected: moved.commit });
    progress(outcome === 'rejected' ? `left ${moved.branch} alone: it moved again meanwhile` : `undid the push to ${moved.branch}`);
  } catch (err) {
    progress(`could not undo the push to ${moved.branch}: ${(err as Error).message}`);
  }
}

/**
 * One attempt on the head `resolved` was read from: every guard (hold, policy, ordering, governing
 * apps) is checked on the files of the exact commit the push names as its expected old id.
 */
async function attempt(options: PromoteOptions, resolved: ResolvedPromotion, progress: (m: string) => void, pending: PendingBranch): Promise<AttemptResult> {
  const { repo } = options;
  const { version, environment } = resolved;
  const push = options.push ?? environment.push ?? (options.host ? 'pr' : 'direct');
  if (push === 'pr' && !options.host && !options.dryRun) throw new FerryError('input.missing', '--push pr needs GitHub access', { hint: 'set GITHUB_TOKEN (or a GitHub App) or use --push direct' });
  const baseBranch = environment.branch;
  // On the default branch, ferry.yaml and the files are read at one commit, and the push is a
  // compare-and-swap from that commit: no hold can land between the check and the push.
  const onDefault = resolved.defaultBranch.branch === baseBranch;
  if (!onDefault) progress(`fetching ${baseBranch}`);
  const base = onDefault ? resolved.defaultBranch.head : await repo.fetchBranch(baseBranch);
  if (base === null) throw new FerryError('target.not-found', `branch ${baseBranch} of environment ${options.env} does not exist`, { hint: 'check `branch` in ferry.yaml' });
  if (pending.unconfirmed?.commit === base) return { kind: 'done', result: pending.unconfirmed.result };
  pending.unconfirmed = undefined;
  const files = await repo.readFiles(base, resolved.target.files.map((f) => f.path));
  const { target, ambiguous, adopted } = applyGoverningApps(resolved, files, options.override?.ignorePolicy === true);
  // `order: build-time`: the build times the base branch's history records (else none are read).
  const recorded = await readRecordedBuildTimes(repo, target, baseBranch, base);
  const candidate = withBuildTime(version, recorded);
  const plan = planPromotion({ target, version: candidate, files, onOlder: resolved.onOlder, recorded });
  // A `--file` edit that one app governs is that app's promotion: its branch, its trailers.
  const prBranch = formatPromotionBranch(target.env, promotionSubjectOf(adopted ? { app: target.app } : options, target));
  const summary = summarise(options, target, plan, push === 'pr' ? prBranch : baseBranch, push);

  if (plan.outcome === 'refused') return { kind: 'done', result: { ...summary, outcome: 'refused', reason: plan.reason } };
  if (ambiguous) throw ambiguous;
  if (plan.outcome !== 'change') {
    // The environment is at or past this version: an open promotion PR at or behind it is pointless.
    const closed = push === 'pr' && options.host && !options.override ? await closePointlessPullRequest({
      repo, host: options.host, target, prBranch, baseBranch, baseHead: base, baseFiles: files, configText: resolved.configText,
      recorded, dryRun: options.dryRun === true, progress,
    }) : undefined;
    return { kind: 'done', result: { ...summary, outcome: plan.outcome, ...(closed ? { closedPullRequests: [closed], message: `${summary.message}; ${closed.message}` } : {}) } };
  }
  // The gate is a guard like hold and policy: checked again on every attempt (a rollback is exempt).
  const gate = options.override?.ignorePolicy ? undefined : await enforceGate({
    gate: resolved.gate, app: target.app, env: target.env, version, reader: options.gate, overrideReason: options.overrideGate, now: options.clock.now(),
  });
  if (gate) progress(gate.message);
  if (gate?.outcome === 'refused') return { kind: 'done', result: { ...summary, outcome: 'refused', reason: 'gate', gate, message: gate.message } };
  if (gate) summary.gate = gate;

  const description: PromotionDescription = {
    app: target.app, env: target.env, image: target.image, from: plan.from, to: plan.to, files: plan.files,
    sourceCommit: options.sourceCommit, buildUrl: options.buildUrl, buildTime: candidate.buildTime, ...(gate?.outcome === 'overridden' ? { gateOverride: gate.reason } : {}),
  };
  const diff = plan.edits.map((e) => formatUnifiedDiff(e.path, files.get(e.path) ?? '', e.content)).join('');
  if (options.dryRun) return { kind: 'done', result: { ...summary, outcome: 'dry-run', changed: true, diff, message: `dry run: would ${push === 'pr' ? `open a pull request from ${prBranch}` : `commit to ${baseBranch}`}: ${plan.message}` } };

  const extra = options.override?.extraEdits ? await options.override.extraEdits((paths) => repo.readFiles(base, paths)) : [];
  const message = formatCommitMessage(description);
  const commit = await repo.writeCommit({ parent: base, files: [...plan.edits, ...extra], message: options.override?.describe?.commitMessage(message) ?? message });
  if (push === 'direct') {
    progress(`pushing ${commit.slice(0, 12)} to ${baseBranch}`);
    const promoted = { ...summary, outcome: 'promoted' as const, changed: true, commit, diff, mergeSha: commit, message: `promoted ${plan.message} (commit ${commit.slice(0, 12)} on ${baseBranch})` };
    pending.unconfirmed = { branch: baseBranch, commit, result: promoted };
    if ((await repo.pushBranch({ branch: baseBranch, commit, expected: base })) === 'rejected') return { kind: 'conflict', branch: baseBranch };
    return { kind: 'done', result: promoted };
  }
  return promoteThroughPullRequest(options, { ...resolved, target, version: candidate }, { plan, description, commit, prBranch, summary, diff, progress, pending, baseFiles: files, recorded });
}

/**
 * Adds the hold and policy of every app whose ferry.yaml target the edit overlaps. `--file` takes
 * the name, hold and policy of the one app (in the same environment) that governs its edit, so it
 * is the same promotion as `--app`; a file several apps govern cannot be named by `--file`
 * (`ambiguous`, thrown after the guards of all of them passed). A rollback lifts all guards.
 */
export function applyGoverningApps(resolved: ResolvedPromotion, files: Map<string, string | null>, ignorePolicy: boolean): { target: PromotionTarget; ambiguous?: FerryError; adopted?: boolean } {
  const own = resolved.target;
  if (ignorePolicy) return { target: { ...own, policy: { allowDowngrade: true }, hold: undefined } };
  if (resolved.governors.length === 0) return { target: own };
  const governing = findGoverningApps({ image: own.image, files: own.files, contents: files, apps: resolved.governors });
  if (governing.length === 0) return { target: own };
  const guards = governing.map(({ app, env, policy, hold }) => ({ app, env, policy, hold }));
  if (!resolved.adoptGovernor) return { target: { ...own, guards } };
  const [only] = governing;
  if (governing.length === 1 && only!.env === own.env) return { target: { ...own, app: only!.app, policy: only!.policy, hold: only!.hold }, adopted: true };
  const names = governing.map((g) => `${g.app} (environment ${g.env})`).join(', ');
  return {
    target: { ...own, guards },
    ambiguous: new FerryError('input.ambiguous', `${own.files.map((f) => f.path).join(', ')} ${own.files.length === 1 ? 'is' : 'are'} governed in ferry.yaml by ${names}, not by one app of environment ${own.env}`, {
      file: CONFIG_FILE, hint: `promote with --app and the environment that lists the file (e.g. --env ${only!.env} --app ${only!.app}); nothing was pushed`,
    }),
  };
}

async function promoteThroughPullRequest(
  options: PromoteOptions, resolved: ResolvedPromotion,
  ctx: {
    plan: Extract<PromotionPlan, { outcome: 'change' }>; description: PromotionDescription; commit: string; prBranch: string;
    summary: Omit<PromoteResult, 'attempts'>; diff: string; progress: (m: string) => void; pending: PendingBranch;
    baseFiles: Map<string, string | null>;
    recorded: BuildTimeRecord[];
  },
): Promise<AttemptResult> {
  const { repo } = options;
  const host = options.host!;
  const { target, version, environment } = resolved;
  const { prBranch, summary, progress } = ctx;

  // The promotion branch is where we last saw it; a newer pending promotion there wins over us.
  const seen = await repo.fetchBranch(prBranch);
  let pushed = true;
  if (seen !== null) {
    // Never clobber a branch whose head is not this subject's promotion (bug: two `web` images shared one).
    await checkBranchOwner(repo, prBranch, seen, target);
    const seenFiles = await repo.readFiles(seen, [...target.files.map((f) => f.path), CONFIG_FILE]);
    // The pending version's build time is the one its branch head records.
    const pendingRecorded = await withPendingBuildTime(repo, target, seen, ctx.recorded);
    if (!options.override?.ignorePolicy) {
      const refused = await refusePendingChange(options, resolved, { seen, seenFiles, prBranch, summary, progress, recorded: pendingRecorded });
      if (refused) return { kind: 'done', result: refused };
    }
    const pending = planPromotion({ target, version, files: seenFiles, onOlder: 'skip', recorded: pendingRecorded });
    // Never force-update a pending promotion this one cannot be ordered against (order unset, say).
    if (pending.outcome === 'refused') return { kind: 'done', result: { ...summary, outcome: 'refused', reason: pending.reason, message: `${prBranch} holds a pending promotion: ${pending.message}` } };
    if (pending.outcome === 'older') {
      const pr = await host.findOpenPullRequest(prBranch, environment.branch);
      return { kind: 'done', result: { ...summary, outcome: 'older', message: `a newer version is already pending on ${prBranch}${pr ? ` (#${pr.number})` : ''}: ${pending.message}`, ...(pr ? { pullRequest: { number: pr.number, url: pr.url, action: 'unchanged' as const } } : {}) } };
    }
    pushed = pending.outcome !== 'unchanged';
  }
  if (pushed) {
    progress(`pushing ${ctx.commit.slice(0, 12)} to ${prBranch}`);
    if ((await repo.pushBranch({ branch: prBranch, commit: ctx.commit, expected: seen })) === 'rejected') return { kind: 'conflict', branch: prBranch };
    // Keep the first "previous": a retry after a transient failure sees our own commit as the head.
    ctx.pending.current = { branch: prBranch, commit: ctx.commit, previous: ctx.pending.current?.previous ?? seen };
  }
  const head = pushed ? ctx.commit : seen!;
  const formatted = formatPullRequest(ctx.description);
  const { title, body } = options.override?.describe?.pullRequest(formatted) ?? formatted;
  progress(`opening or updating the pull request from ${prBranch}`);
  const opened = await openOrUpdatePullRequest(host, {
    head: prBranch, base: environment.branch, title, body,
    labels: union(environment.labels, options.pullRequest?.labels), reviewers: union(environment.reviewers, options.pullRequest?.reviewers),
    teamReviewers: union(environment.teamReviewers, options.pullRequest?.teamReviewers), draft: options.pullRequest?.draft,
  });
  ctx.pending.current = undefined;
  const settled = await settlePullRequestText({ repo, host, target, prBranch, prNumber: opened.pr.number, described: head, baseFiles: ctx.baseFiles });
  if (settled === 'redescribed') progress(`a newer build moved ${prBranch} meanwhile; #${opened.pr.number} describes it again`);
  const pr = { ...opened.pr, headSha: opened.pr.headSha || head };
  const result: Omit<PromoteResult, 'attempts'> = {
    ...summary, outcome: 'pull-request', changed: true, commit: head, diff: ctx.diff,
    pullRequest: { number: pr.number, url: pr.url, action: opened.action, ...(opened.superseded ? { superseded: opened.superseded } : {}) },
    message: `${opened.action === 'created' ? 'opened' : 'updated'} pull request #${pr.number} (${pr.url}): ${ctx.plan.message}`,
  };

  const autoMerge = !options.pullRequest?.draft && (options.autoMerge ?? environment.autoMerge);
  if (autoMerge) {
    progress(`requesting merge of #${pr.number}`);
    const merge = await requestMerge(host, pr, options.pullRequest?.mergeMethod ?? environment.mergeMethod, true);
    result.merge = merge.mode === 'merged' ? { mode: 'merged', sha: merge.sha } : { mode: merge.mode };
    if (merge.mode === 'merged') Object.assign(result, { outcome: 'promoted', mergeSha: merge.sha, message: `merged pull request #${pr.number} as ${merge.sha.slice(0, 12)}: ${ctx.plan.message}` });
  }
  if (options.waitMergedMs !== undefined && result.outcome !== 'promoted') {
    const waited = await waitForMerge(host, pr.number, {
      timeoutMs: options.waitMergedMs, pollMs: options.pollMs ?? 5_000, clock: options.clock,
      onProgress: (_pr, elapsed) => progress(`waiting for #${pr.number} to merge (${Math.round(elapsed / 1000)}s)`),
    });
    if (waited.outcome === 'merged') Object.assign(result, { outcome: 'promoted', mergeSha: waited.sha, message: `pull request #${pr.number} merged as ${waited.sha.slice(0, 12)}: ${ctx.plan.message}` });
    else if (waited.outcome === 'closed') Object.assign(result, { outcome: 'closed', message: `pull request #${pr.number} was closed without merging` });
    else Object.assign(result, { outcome: 'timeout', message: `pull request #${pr.number} was not merged within ${Math.round(options.waitMergedMs / 1000)}s` });
  }
  return { kind: 'done', result };
}

/**
 * A pull request still open from the promotion branch whose ferry.yaml differs from the base's
 * (a `ferry rollback --push pr` sets a hold there) is a pending change to the guards themselves: if
 * its hold or policy refuses this promotion, force-updating the branch would throw that change
 * away, so the promotion is refused and pushes nothing. A branch with no open pull request is left
 * over (merged or closed) and is replaced as before.
 */
async function refusePendingChange(
  options: PromoteOptions, resolved: ResolvedPromotion,
  ctx: { seen: string; seenFiles: Map<string, string | null>; prBranch: string; summary: Omit<PromoteResult, 'attempts'>; progress: (m: string) => void; recorded: readonly BuildTimeRecord[] },
): Promise<Omit<PromoteResult, 'attempts'> | undefined> {
  const { target, version, environment } = resolved;
  const text = ctx.seenFiles.get(CONFIG_FILE);
  if (text === null || text === undefined || text === resolved.configText) return undefined;
  const apps = [{ app: target.app, env: target.env }, ...(target.guards ?? []).map(({ app, env }) => ({ app, env }))];
  const guards = readGuards(text, apps);
  if (!guards?.length) return undefined;
  const plan = planPromotion({ target: { ...target, policy: {}, hold: undefined, guards }, version, files: ctx.seenFiles, onOlder: resolved.onOlder, recorded: ctx.recorded });
  if (plan.outcome !== 'refused') return undefined;
  const pr = await options.host!.findOpenPullRequest(ctx.prBranch, environment.branch);
  if (!pr) {
    ctx.progress(`${ctx.prBranch} holds a ferry.yaml that would refuse this promotion, but no pull request is open from it: replacing it`);
    return undefined;
  }
  return {
    ...ctx.summary, outcome: 'refused', reason: plan.reason, changed: false, files: [],
    pullRequest: { number: pr.number, url: pr.url, action: 'unchanged' },
    message: `pull request #${pr.number} (${ctx.prBranch}, ${ctx.seen.slice(0, 12)}) is pending with a ferry.yaml that refuses this promotion: ${plan.message}`,
  };
}

function summarise(options: PromoteOptions, target: PromotionTarget, plan: PromotionPlan, branch: string, push: 'pr' | 'direct'): Omit<PromoteResult, 'attempts'> {
  const files = 'files' in plan
    ? plan.files.map((f) => ({ path: f.path, changes: f.changes.map((c) => ({ line: c.line, field: c.yamlPath.join('.'), old: c.old, new: c.new })) }))
    : [];
  return {
    outcome: 'unchanged', changed: false, message: plan.message,
    app: target.app, env: options.env, image: formatPromotedImage(target.image, plan.to),
    from: plan.from, to: plan.to, branch, push, files,
  };
}

/** `git.retries-exhausted`, `github.retries-exhausted` or `gitea.retries-exhausted`, after the side that kept failing. */
export function exhausted(err: unknown, attempts: number): FerryError {
  const side = err instanceof FerryError ? err.code.split('.')[0] : 'git';
  return new FerryError(`${side}.retries-exhausted`, `${(err as Error).message} (after ${attempts} attempts)`, { cause: err, hint: 'the server kept failing; nothing was changed by this run' });
}

export function isTransient(err: unknown): boolean {
  return err instanceof FerryError && (err.code === 'git.network' || err.code === 'github.transient' || err.code === 'gitea.transient');
}

/** Exponential backoff with full jitter in [d/2, d], so colliding writers spread out. */
export function backoff(n: number, retry: RetryPolicy, random: () => number): number {
  const d = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(n - 1, 10));
  return Math.round(d / 2 + (random() * d) / 2);
}

/** The environment's list plus the caller's, each name once, in order. */
export function union(base: string[], extra: string[] | undefined): string[] {
  return [...new Set([...base, ...(extra ?? [])])];
}
