// Pull request mechanics computed from the real repository: mergeability, merges that write
// real commits on the base branch, and auto-merge once required checks pass.
import type { BareRepo, GitIdentity } from './bare-repo.js';
import type { FaultSwitch } from './emulator-faults.js';
import type { Actor, CommitStatusRecord, MergeMethod, PullRecord, RepoRecord, StatusState } from './emulator-state.js';
import { ApiError } from './http-kit.js';
import { errorBody } from './payloads.js';
import { isoNow, type RepoStore } from './repo-store.js';

export type MergeableState = 'clean' | 'dirty' | 'blocked' | 'behind' | 'unstable' | 'draft' | 'unknown';

export interface Mergeability {
  mergeable: boolean | null;
  state: MergeableState;
  /** Required contexts that are not `success` on the head commit. */
  unmetContexts: { context: string; state: StatusState | 'expected' }[];
}

export interface CombinedStatus {
  state: 'failure' | 'pending' | 'success';
  latest: CommitStatusRecord[];
}

export interface MergeOptions {
  method: MergeMethod;
  sha?: string;
  commitTitle?: string;
  commitMessage?: string;
  actor: Actor;
}

const GITHUB_COMMITTER: Omit<GitIdentity, 'date'> = { name: 'GitHub', email: 'noreply@github.com' };
const MERGE_DOC = 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request';

function identityOf(actor: Actor): GitIdentity {
  return { name: actor.login, email: `${actor.id}+${actor.login}@users.noreply.github.com` };
}

/** The latest status per context and GitHub's combined state (no statuses at all = pending). */
export function combineStatuses(repo: RepoRecord, sha: string): CombinedStatus {
  const byContext = new Map<string, CommitStatusRecord>();
  for (const s of repo.statuses) {
    if (s.sha !== sha) continue;
    const seen = byContext.get(s.context);
    if (!seen || s.id > seen.id) byContext.set(s.context, s);
  }
  const latest = [...byContext.values()].sort((a, b) => a.id - b.id);
  const states = latest.map((s) => s.state);
  const state = states.length === 0 || states.includes('pending')
    ? (states.some((s) => s === 'failure' || s === 'error') ? 'failure' : 'pending')
    : states.every((s) => s === 'success') ? 'success' : 'failure';
  return { state, latest };
}

/**
 * What branch protection sees for each check name on a commit: the latest commit status or check
 * run of that name (ids are one increasing sequence), as a status state.
 */
export function latestCheckOutcomes(repo: RepoRecord, sha: string): Map<string, StatusState> {
  const latest = new Map<string, { id: number; state: StatusState }>();
  const offer = (name: string, id: number, state: StatusState): void => {
    const seen = latest.get(name);
    if (!seen || id > seen.id) latest.set(name, { id, state });
  };
  for (const s of repo.statuses) if (s.sha === sha) offer(s.context, s.id, s.state);
  for (const c of repo.checkRuns) {
    if (c.sha !== sha) continue;
    const state: StatusState = c.status !== 'completed' ? 'pending'
      : c.conclusion === 'success' || c.conclusion === 'neutral' || c.conclusion === 'skipped' ? 'success' : 'failure';
    offer(c.name, c.id, state);
  }
  return new Map([...latest].map(([name, v]) => [name, v.state]));
}

export class PullEngine {
  constructor(private readonly store: RepoStore, private readonly faults?: FaultSwitch) {}

  /** Mergeability as GitHub reports it to readers: possibly "not computed yet" (see faults). */
  async reportedMergeability(repo: RepoRecord, pr: PullRecord): Promise<Mergeability> {
    if (pr.state === 'open' && this.faults?.takeUnknownMergeability()) {
      await this.refresh(repo, pr);
      return { mergeable: null, state: 'unknown', unmetContexts: [] };
    }
    return this.mergeability(repo, pr);
  }

  /** Re-reads head and base tips while the pull request is open (pushes happen behind our back). */
  async refresh(repo: RepoRecord, pr: PullRecord): Promise<void> {
    if (pr.state !== 'open') return;
    const git = this.store.bare(repo);
    const [head, base] = await Promise.all([git.resolveCommit(`refs/heads/${pr.headRef}`), git.resolveCommit(`refs/heads/${pr.baseRef}`)]);
    if (head && head !== pr.headSha) {
      pr.headSha = head;
      pr.updatedAt = isoNow();
    }
    if (base) pr.baseSha = base;
  }

  async mergeability(repo: RepoRecord, pr: PullRecord): Promise<Mergeability> {
    if (pr.state !== 'open') return { mergeable: null, state: 'unknown', unmetContexts: [] };
    await this.refresh(repo, pr);
    const git = this.store.bare(repo);
    const tree = await git.mergeTrees(pr.baseSha, pr.headSha);
    if (tree === null) return { mergeable: false, state: 'dirty', unmetContexts: [] };
    if (pr.draft) return { mergeable: true, state: 'draft', unmetContexts: [] };
    const protection = repo.protection.get(pr.baseRef);
    const required = protection?.checks?.contexts ?? [];
    const outcomes = latestCheckOutcomes(repo, pr.headSha);
    const unmet: Mergeability['unmetContexts'] = [];
    for (const context of required) {
      const state = outcomes.get(context);
      if (!state) unmet.push({ context, state: 'expected' });
      else if (state !== 'success') unmet.push({ context, state });
    }
    if (protection?.checks?.strict && !(await git.isAncestor(pr.baseSha, pr.headSha))) {
      return { mergeable: true, state: 'behind', unmetContexts: unmet };
    }
    if (unmet.length > 0) return { mergeable: true, state: 'blocked', unmetContexts: unmet };
    if ([...outcomes].some(([name, state]) => !required.includes(name) && state !== 'success')) {
      return { mergeable: true, state: 'unstable', unmetContexts: [] };
    }
    return { mergeable: true, state: 'clean', unmetContexts: [] };
  }

  async diffStats(repo: RepoRecord, pr: PullRecord): Promise<{ commits: number; additions: number; deletions: number; changedFiles: number }> {
    const git = this.store.bare(repo);
    const base = pr.merged && pr.mergeCommitSha ? (await git.readCommit(pr.mergeCommitSha)).parents[0] ?? pr.baseSha : pr.baseSha;
    const mergeBase = (await git.mergeBase(base, pr.headSha)) ?? base;
    const [between, numstat] = await Promise.all([git.commitsBetween(mergeBase, pr.headSha), git.ok(['diff', '--numstat', mergeBase, pr.headSha])]);
    const commits = between.length;
    let additions = 0;
    let deletions = 0;
    let changedFiles = 0;
    for (const line of numstat.split('\n').filter(Boolean)) {
      const [a = '0', d = '0'] = line.split('\t');
      additions += Number(a) || 0;
      deletions += Number(d) || 0;
      changedFiles += 1;
    }
    return { commits, additions, deletions, changedFiles };
  }

  /** PUT /pulls/{n}/merge semantics, including GitHub's 405/409 answers. */
  async merge(repo: RepoRecord, pr: PullRecord, options: MergeOptions): Promise<{ sha: string }> {
    return this.store.withLock(repo, async () => {
      if (pr.state !== 'open') throw new ApiError(405, errorBody(405, 'Pull Request is not mergeable', MERGE_DOC));
      const m = await this.mergeability(repo, pr);
      if (options.sha !== undefined && options.sha !== pr.headSha) {
        throw new ApiError(409, errorBody(409, 'Head branch was modified. Review and try the merge again.', MERGE_DOC));
      }
      if (m.state === 'dirty') throw new ApiError(405, errorBody(405, 'Pull Request is not mergeable', MERGE_DOC));
      if (m.state === 'draft') throw new ApiError(405, errorBody(405, 'Pull Request is still a draft', MERGE_DOC));
      if (m.state === 'behind') {
        throw new ApiError(405, errorBody(405, 'Head branch is not up to date with the base branch', 'https://docs.github.com/articles/about-protected-branches'));
      }
      const unmet = m.unmetContexts[0];
      if (unmet) {
        const verb = unmet.state === 'expected' ? 'is expected' : unmet.state === 'pending' ? 'is pending' : 'is failing';
        throw new ApiError(405, errorBody(405, `Required status check "${unmet.context}" ${verb}.`, 'https://docs.github.com/articles/about-protected-branches'));
      }
      const git = this.store.bare(repo);
      const author = identityOf(options.actor);
      const newSha = await this.writeMergeCommits(git, repo, pr, options, author);
      if (!(await git.updateRef(`refs/heads/${pr.baseRef}`, newSha, pr.baseSha))) {
        throw new ApiError(405, errorBody(405, 'Base branch was modified. Review and try the merge again.', MERGE_DOC));
      }
      const now = isoNow();
      Object.assign(pr, {
        state: 'closed', merged: true, mergedAt: now, closedAt: now, updatedAt: now,
        mergedBy: options.actor, mergeCommitSha: newSha, autoMerge: null,
      });
      return { sha: newSha };
    });
  }

  private async writeMergeCommits(git: BareRepo, repo: RepoRecord, pr: PullRecord, o: MergeOptions, author: GitIdentity): Promise<string> {
    const committer = { ...GITHUB_COMMITTER };
    if (o.method === 'rebase') {
      let tip = pr.baseSha;
      for (const sha of await git.commitsBetween(pr.baseSha, pr.headSha)) {
        const info = await git.readCommit(sha);
        if (info.parents.length > 1) throw new ApiError(405, errorBody(405, 'This branch can\'t be rebased', MERGE_DOC));
        const tree = await git.cherryPickTree(sha, tip);
        if (tree === null) throw new ApiError(405, errorBody(405, 'This branch can\'t be rebased', MERGE_DOC));
        const origAuthor = { name: info.authorName, email: info.authorEmail, date: Number(info.authorDate) };
        tip = await git.commitTree(tree, [tip], `${info.message}\n`, origAuthor, committer);
      }
      return tip;
    }
    const tree = await git.mergeTrees(pr.baseSha, pr.headSha);
    if (tree === null) throw new ApiError(405, errorBody(405, 'Pull Request is not mergeable', MERGE_DOC));
    if (o.method === 'squash') {
      const title = o.commitTitle ?? `${pr.title} (#${pr.number})`;
      const messages = o.commitMessage ?? (await Promise.all((await git.commitsBetween(pr.baseSha, pr.headSha)).map(async (c) => `* ${(await git.readCommit(c)).message}`))).join('\n\n');
      return git.commitTree(tree, [pr.baseSha], `${title}\n\n${messages}\n`, author, committer);
    }
    const title = o.commitTitle ?? `Merge pull request #${pr.number} from ${pr.headOwner}/${pr.headRef}`;
    const message = o.commitMessage ?? pr.title;
    return git.commitTree(tree, [pr.baseSha, pr.headSha], `${title}\n\n${message}\n`, author, committer);
  }

  /** Merges every armed pull request whose checks now pass; returns the numbers merged. */
  async sweepAutoMerge(repo: RepoRecord): Promise<number[]> {
    const merged: number[] = [];
    for (const pr of repo.pulls) {
      if (pr.state !== 'open' || !pr.autoMerge) continue;
      const m = await this.mergeability(repo, pr);
      if (m.state !== 'clean' && m.state !== 'unstable') continue;
      const armed = pr.autoMerge;
      try {
        await this.merge(repo, pr, {
          method: armed.method,
          actor: armed.enabledBy,
          ...(armed.commitTitle !== null ? { commitTitle: armed.commitTitle } : {}),
          ...(armed.commitMessage !== null ? { commitMessage: armed.commitMessage } : {}),
        });
        merged.push(pr.number);
      } catch (error) {
        // A failed auto-merge stays armed, as on GitHub; the next status or read retries it.
        if (!(error instanceof ApiError)) throw error;
      }
    }
    return merged;
  }
}
