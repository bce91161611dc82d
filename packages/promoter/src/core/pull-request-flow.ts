import { FerryError } from '@ferry/manifest-model';

export interface PullRequest {
  number: number;
  url: string;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommitSha: string | null;
  headRef: string;
  headSha: string;
  baseRef: string;
  title: string;
  body: string;
}

export type MergeMethodName = 'merge' | 'squash' | 'rebase';

/**
 * Codes every PullRequestHost adapter uses for the answers the flow acts on; other failures keep
 * the adapter's own codes (`github.*`, `gitea.*`).
 */
export const ForgeErrorCode = {
  /** Creating a PR for a head and base that already have an open one (GitHub 422, Gitea 409). */
  prExists: 'forge.pr-exists',
  /** A merge guarded by the head sha found another head (GitHub 409, Gitea 409 "head out of date"). */
  headMoved: 'forge.head-moved',
  /** The forge refuses to merge now: checks, reviews, draft, conflicts (GitHub 405, Gitea 405/409). */
  notMergeable: 'forge.not-mergeable',
} as const;

/**
 * The port to a forge: GitHub (adapters/github-host.ts) or Gitea/Forgejo (adapters/gitea-host.ts).
 * Adapters translate vendor errors to FerryError, with the ForgeErrorCode codes for the answers
 * the flow acts on.
 */
export interface PullRequestHost {
  findOpenPullRequest(head: string, base: string): Promise<PullRequest | null>;
  /** `draft`: opened as a draft (GitHub refuses to merge it until someone marks it ready). */
  createPullRequest(input: { head: string; base: string; title: string; body: string; draft?: boolean }): Promise<PullRequest>;
  updatePullRequest(number: number, input: { title: string; body: string }): Promise<PullRequest>;
  commentOnPullRequest(number: number, body: string): Promise<void>;
  /** Open pull requests into `base` (at most the first few hundred, oldest first). */
  listOpenPullRequests(base: string): Promise<PullRequest[]>;
  /** Closes an open pull request without merging it (its branch is left to the caller). */
  closePullRequest(number: number): Promise<PullRequest>;
  addLabels(number: number, labels: string[]): Promise<void>;
  requestReviewers(number: number, reviewers: { users: string[]; teams: string[] }): Promise<void>;
  /**
   * Merge once the checks pass. `mergeable-now`: the forge refuses because the PR can merge already
   * (GitHub's "clean status"); `unavailable`: auto-merge is off for the repo or this PR.
   */
  enableAutoMerge(pr: PullRequest, method: MergeMethodName): Promise<'enabled' | 'mergeable-now' | 'unavailable'>;
  mergePullRequest(number: number, input: { sha: string; method: MergeMethodName }): Promise<{ sha: string }>;
  getPullRequest(number: number): Promise<PullRequest>;
}

export interface OpenPullRequestInput {
  head: string;
  base: string;
  title: string;
  body: string;
  labels: string[];
  reviewers: string[];
  teamReviewers: string[];
  /** Open a new pull request as a draft (an existing one keeps its state). */
  draft?: boolean | undefined;
}

export interface OpenPullRequestResult {
  pr: PullRequest;
  action: 'created' | 'updated';
  /** Title of the promotion this one replaced, when an open PR was updated to a newer build. */
  superseded?: string;
}

/**
 * Create or update the promotion PR of a branch. Two concurrent creators race on the forge's
 * "already exists": the loser finds the winner's PR and updates it, so there is never a duplicate.
 */
export async function openOrUpdatePullRequest(host: PullRequestHost, input: OpenPullRequestInput): Promise<OpenPullRequestResult> {
  let existing = await host.findOpenPullRequest(input.head, input.base);
  let action: OpenPullRequestResult['action'] = 'updated';
  if (!existing) {
    try {
      existing = await host.createPullRequest({ head: input.head, base: input.base, title: input.title, body: input.body, ...(input.draft ? { draft: true } : {}) });
      action = 'created';
    } catch (err) {
      if (!(err instanceof FerryError && err.code === ForgeErrorCode.prExists)) throw err;
      existing = await host.findOpenPullRequest(input.head, input.base);
      if (!existing) throw err;
    }
  }
  let pr = existing;
  let superseded: string | undefined;
  if (action === 'updated' && (pr.title !== input.title || pr.body !== input.body)) {
    superseded = pr.title;
    pr = await host.updatePullRequest(pr.number, { title: input.title, body: input.body });
    if (superseded !== input.title) await host.commentOnPullRequest(pr.number, `Superseded by a newer build: ${superseded} → ${input.title}`);
  }
  if (input.labels.length) await host.addLabels(pr.number, input.labels);
  if (action === 'created' && (input.reviewers.length || input.teamReviewers.length)) {
    await host.requestReviewers(pr.number, { users: input.reviewers, teams: input.teamReviewers });
  }
  return superseded === undefined ? { pr, action } : { pr, action, superseded };
}

export type MergeRequestResult =
  | { mode: 'auto-merge' }
  | { mode: 'merged'; sha: string }
  /** The head moved under the sha guard: a newer build updated the PR and will merge it. */
  | { mode: 'head-moved' }
  /** Neither auto-merge nor a direct merge is possible yet (checks or reviews pending). */
  | { mode: 'not-mergeable'; message: string };

/**
 * Auto-merge first; when the forge answers that the PR can merge already or auto-merge is off for
 * the repo, merge with the head sha guard, so a PR whose head moved since we looked is never
 * merged blind.
 */
export async function requestMerge(host: PullRequestHost, pr: PullRequest, method: MergeMethodName, autoMerge: boolean): Promise<MergeRequestResult> {
  if (autoMerge) {
    const outcome = await host.enableAutoMerge(pr, method);
    if (outcome === 'enabled') return { mode: 'auto-merge' };
  }
  try {
    const { sha } = await host.mergePullRequest(pr.number, { sha: pr.headSha, method });
    return { mode: 'merged', sha };
  } catch (err) {
    if (err instanceof FerryError && err.code === ForgeErrorCode.headMoved) return { mode: 'head-moved' };
    if (err instanceof FerryError && err.code === ForgeErrorCode.notMergeable) return { mode: 'not-mergeable', message: err.message };
    throw err;
  }
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type WaitResult =
  | { outcome: 'merged'; sha: string; pr: PullRequest }
  | { outcome: 'closed'; pr: PullRequest }
  | { outcome: 'timeout'; pr: PullRequest };

/** Polls until the PR is merged or closed, or the deadline passes. */
export async function waitForMerge(
  host: PullRequestHost, number: number,
  options: { timeoutMs: number; pollMs: number; clock: Clock; onProgress?: (pr: PullRequest, elapsedMs: number) => void },
): Promise<WaitResult> {
  const start = options.clock.now();
  for (;;) {
    const pr = await host.getPullRequest(number);
    if (pr.merged) return { outcome: 'merged', sha: pr.mergeCommitSha ?? '', pr };
    if (pr.state === 'closed') return { outcome: 'closed', pr };
    const elapsed = options.clock.now() - start;
    if (elapsed >= options.timeoutMs) return { outcome: 'timeout', pr };
    options.onProgress?.(pr, elapsed);
    await options.clock.sleep(Math.min(options.pollMs, Math.max(0, options.timeoutMs - elapsed)));
  }
}
