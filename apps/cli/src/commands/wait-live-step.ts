import { FerryError } from '@ferry/manifest-model';
import { createGitHubStatusReader, openGitHistory, waitLive, type CommitStatusReader, type PromoteResult, type PullRequestHost, type WaitLiveResult } from '@ferry/promoter';
import { UsageError } from '../command.js';

export interface WaitLiveFlags {
  /** `--clusters a,b`; empty: the clusters that reported on the commit before the merge. */
  clusters: string[];
}

export interface WaitLiveContext {
  owner: string;
  name: string;
  apiUrl: string;
  gitUrl: string;
  /** The promotion's own credentials: the token reads statuses, the pair reads git history. */
  gitAuth: { username: string; password: string } | undefined;
  /** GitHub App: the same, asked per use (the installation token outlives no long wait). */
  renewingAuth?: (() => Promise<{ username: string; password: string }>) | undefined;
  host: PullRequestHost | undefined;
  onGitHub: boolean;
  /** Where the statuses are read; default GitHub's API with the promotion's token. */
  statuses?: CommitStatusReader | undefined;
  /** Absolute deadline (epoch ms) shared with --wait-merged. */
  deadline: number;
  progress: (message: string) => void;
}

/** `--clusters a,b,c`: names as the agents' `--cluster` flag accepts them. */
export function parseClusters(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.find((n) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(n));
  if (!names.length || bad !== undefined) throw new UsageError(`--clusters "${text}" must be a comma-separated list of cluster names`, 'e.g. --clusters prod-eu,prod-us');
  return [...new Set(names)];
}

/**
 * After a merge (or direct push): waits until the agents report the commit live on every target
 * cluster. Needs GitHub: statuses are read from its API with the promotion's own credentials.
 */
export async function runWaitLive(result: Pick<PromoteResult, 'mergeSha' | 'pullRequest' | 'branch'>, flags: WaitLiveFlags, ctx: WaitLiveContext): Promise<WaitLiveResult | undefined> {
  if (!result.mergeSha) return undefined;
  if ((!ctx.onGitHub && !ctx.statuses) || !ctx.gitAuth) {
    throw new FerryError('input.missing-auth', '--wait-live reads commit statuses from the GitHub API and needs GitHub credentials', { hint: 'set FERRY_GITHUB_TOKEN / GITHUB_TOKEN or a GitHub App' });
  }
  // A promotion PR's base is the branch the agents follow; a direct push went straight to it.
  const branch = result.pullRequest && ctx.host ? (await ctx.host.getPullRequest(result.pullRequest.number)).baseRef : result.branch;
  const renewing = ctx.renewingAuth;
  const history = await openGitHistory({ url: ctx.gitUrl, auth: renewing ?? ctx.gitAuth });
  try {
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
    ctx.progress(`waiting until ${result.mergeSha.slice(0, 12)} is live on ${flags.clusters.length ? flags.clusters.join(', ') : `every cluster that follows ${branch}`}`);
    return await waitLive({
      sha: result.mergeSha, branch, history, clock, clusters: flags.clusters,
      statuses: ctx.statuses ?? createGitHubStatusReader({ owner: ctx.owner, repo: ctx.name, apiUrl: ctx.apiUrl, token: renewing ? async () => (await renewing()).password : ctx.gitAuth.password }),
      timeoutMs: Math.max(0, ctx.deadline - Date.now()),
      onProgress: (c, elapsed) => ctx.progress(`[${Math.round(elapsed / 1000)}s] ${c.cluster}: ${c.state}${c.commit && c.commit !== result.mergeSha ? ` (on ${c.commit.slice(0, 12)})` : ''}: ${c.description}`),
    });
  } finally {
    await history.close();
  }
}
