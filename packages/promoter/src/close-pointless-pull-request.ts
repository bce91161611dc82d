import { parseFerryConfig } from '@ferry/manifest-model';
import type { BuildTimeRecord } from './core/order-versions.js';
import { describeVersion, describeVersions, planPromotion, type PromotionTarget, type VersionSummary } from './core/plan-promotion.js';
import { formatPromotionBranch, isSameSubject } from './core/promotion-branch.js';
import { readPromotionTrailers } from './core/promotion-trailers.js';
import type { PullRequestHost } from './core/pull-request-flow.js';
import type { ConfigRepository } from './ports.js';
import { CONFIG_FILE } from './resolve-promotion.js';

/** A promotion pull request closed because its environment already holds that version or a newer one. */
export interface ClosedPullRequest {
  /** `superseded`: the environment holds its version or a newer one; `app-removed`: ferry.yaml no longer has the app in that environment. */
  reason: 'superseded' | 'app-removed';
  number: number;
  url: string;
  branch: string;
  /** The version the pull request would have promoted. */
  pending: VersionSummary;
  /** What the environment's branch holds (`superseded` only). */
  holds?: VersionSummary[];
  /** False when the branch moved meanwhile (a newer promotion): it was left alone. */
  branchDeleted: boolean;
  /** True on a dry run: nothing was closed or deleted. */
  dryRun: boolean;
  message: string;
}

export interface ClosePointlessInput {
  repo: ConfigRepository;
  host: PullRequestHost;
  target: PromotionTarget;
  prBranch: string;
  /** The environment's branch and its files at the head this run read. */
  baseBranch: string;
  baseHead: string;
  baseFiles: Map<string, string | null>;
  /** ferry.yaml as the default branch holds it (null without one). */
  configText: string | null;
  recorded: readonly BuildTimeRecord[];
  dryRun: boolean;
  progress: (message: string) => void;
}

/**
 * When a promotion run finds its environment already at (or past) its version, the open promotion
 * pull request of the same app may have become pointless: its version is what the base holds, or
 * older by the app's order. Such a pull request is closed with a comment saying why, and its branch
 * deleted (compare-and-swap: a newer promotion pushed meanwhile keeps it). Left alone: a branch
 * whose head is not a plain promotion of this subject (a rollback with its hold, a human's commit,
 * another image), one whose ferry.yaml differs from the default branch's (a pending guard change),
 * one holding a newer or unorderable version, and a pull request whose head is not that commit.
 */
export async function closePointlessPullRequest(input: ClosePointlessInput): Promise<ClosedPullRequest | undefined> {
  const { repo, host, target, prBranch } = input;
  const seen = await repo.fetchBranch(prBranch);
  if (seen === null) return undefined;
  const trailers = readPromotionTrailers(await repo.readCommitMessage(seen));
  if (!trailers || !isSameSubject(trailers, target) || trailers.rollbackFrom !== undefined) return undefined;
  if (((await repo.readFiles(seen, [CONFIG_FILE])).get(CONFIG_FILE) ?? null) !== input.configText) return undefined;
  const pending: VersionSummary = { tag: trailers.reference.tag, digest: trailers.reference.digest };
  // Ordered as the app orders builds; hold and allow/deny do not make a pending version newer.
  const versus = planPromotion({
    target: { ...target, policy: { order: target.policy.order, allowDowngrade: target.policy.allowDowngrade }, hold: undefined, guards: undefined },
    version: { ...pending, ...(trailers.buildTime !== undefined ? { buildTime: trailers.buildTime } : {}) },
    files: input.baseFiles, onOlder: 'skip', recorded: input.recorded,
  });
  if (versus.outcome !== 'unchanged' && versus.outcome !== 'older') return undefined;
  const pr = await host.findOpenPullRequest(prBranch, input.baseBranch);
  if (!pr || (pr.headSha && pr.headSha !== seen)) return undefined;

  const holds = describeVersions(versus.from);
  const why = versus.outcome === 'unchanged'
    ? `${input.baseBranch} already holds ${describeVersion(pending)} for ${target.app} in ${target.env}`
    : `${input.baseBranch} already holds ${holds} for ${target.app} in ${target.env}, newer than ${describeVersion(pending)}`;
  const closed = { reason: 'superseded' as const, number: pr.number, url: pr.url, branch: prBranch, pending, holds: versus.from, dryRun: input.dryRun };
  if (input.dryRun) return { ...closed, branchDeleted: false, message: `would close pull request #${pr.number} and delete ${prBranch}: ${why}` };

  const deleted = await closeAndDelete({ ...input, number: pr.number, branch: prBranch, seen, why, comment: `this pull request has nothing left to promote. ${why} (commit \`${input.baseHead.slice(0, 12)}\`)` });
  return { ...closed, branchDeleted: deleted, message: `closed pull request #${pr.number} (${why})${deleted ? ` and deleted ${prBranch}` : ''}` };
}

/** Comments why, closes (not merged), then deletes the branch only if it is still at `seen`. */
export async function closeAndDelete(input: { repo: ConfigRepository; host: PullRequestHost; number: number; branch: string; seen: string; why: string; comment: string; progress: (m: string) => void }): Promise<boolean> {
  input.progress(`closing pull request #${input.number}: ${input.why}`);
  await input.host.commentOnPullRequest(input.number, [`Closed by Ferry: ${input.comment}.`, '', `The branch \`${input.branch}\` is deleted; a later promotion opens a new pull request.`].join('\n'));
  await input.host.closePullRequest(input.number);
  const deleted = (await input.repo.deleteBranch({ branch: input.branch, expected: input.seen })) === 'deleted';
  if (!deleted) input.progress(`left ${input.branch} alone: a newer promotion moved it meanwhile`);
  return deleted;
}

export interface CloseRemovedInput {
  repo: ConfigRepository;
  host: PullRequestHost;
  env: string;
  baseBranch: string;
  /** ferry.yaml on the default branch (null without one: nothing is closed) and that branch's head. */
  configText: string | null;
  defaultBranch: { branch: string; head: string };
  dryRun: boolean;
  progress: (message: string) => void;
}

/**
 * Open promotion pull requests into the environment's branch whose app ferry.yaml no longer has
 * in that environment: closed with a comment, their branches deleted (compare-and-swap). Only app
 * branches (`ferry/ENV/APP`, no `+`) whose head is that app's plain promotion (strict trailers, not
 * a rollback) and is the pull request's head are touched; `--file` and hold-release branches never.
 */
export async function closeRemovedAppPullRequests(input: CloseRemovedInput): Promise<ClosedPullRequest[]> {
  if (input.configText === null) return [];
  const config = parseFerryConfig(input.configText, CONFIG_FILE);
  const prefix = formatPromotionBranch(input.env, { app: 'x' }).slice(0, -1);
  const candidates = (await input.host.listOpenPullRequests(input.baseBranch)).filter((pr) => {
    if (!pr.headRef.startsWith(prefix)) return false;
    const app = pr.headRef.slice(prefix.length);
    return !/[+/]/.test(app) && formatPromotionBranch(input.env, { app }) === pr.headRef && config.apps[app]?.environments[input.env] === undefined;
  });
  const closed: ClosedPullRequest[] = [];
  for (const pr of candidates) {
    const app = pr.headRef.slice(prefix.length);
    const seen = await input.repo.fetchBranch(pr.headRef);
    if (seen === null || (pr.headSha && pr.headSha !== seen)) continue;
    const trailers = readPromotionTrailers(await input.repo.readCommitMessage(seen));
    if (!trailers || trailers.app !== app || trailers.env !== input.env || trailers.rollbackFrom !== undefined) continue;
    const why = config.apps[app] ? `app ${app} has no environment ${input.env} in ferry.yaml any more` : `app ${app} is no longer in ferry.yaml`;
    const base = { reason: 'app-removed' as const, number: pr.number, url: pr.url, branch: pr.headRef, pending: { tag: trailers.reference.tag, digest: trailers.reference.digest }, dryRun: input.dryRun };
    if (input.dryRun) {
      closed.push({ ...base, branchDeleted: false, message: `would close pull request #${pr.number} and delete ${pr.headRef}: ${why}` });
      continue;
    }
    const deleted = await closeAndDelete({ ...input, number: pr.number, branch: pr.headRef, seen, why, comment: `${why} (${input.defaultBranch.branch} at \`${input.defaultBranch.head.slice(0, 12)}\`), so this promotion has nowhere to go` });
    closed.push({ ...base, branchDeleted: deleted, message: `closed pull request #${pr.number} (${why})${deleted ? ` and deleted ${pr.headRef}` : ''}` });
  }
  return closed;
}
