// Pull request, label and requested-reviewer endpoints.
import type { MergeMethod, PullRecord, RepoRecord } from './emulator-state.js';
import { ApiError, asObject, notFound, type Route, type RouteRequest } from './http-kit.js';
import { errorBody, pullPayload, validationFailed } from './payloads.js';
import type { PullEngine } from './pull-engine.js';
import { isoNow } from './repo-store.js';
import { repoJson, type RouteDeps } from './routes-git.js';

const PULLS_DOC = 'https://docs.github.com/rest/pulls/pulls';

export interface PullRouteDeps extends RouteDeps {
  engine: PullEngine;
}

export function findPull(repo: RepoRecord, number: number): PullRecord {
  const pr = repo.pulls.find((p) => p.number === number);
  if (!pr) throw notFound(`${PULLS_DOC}#get-a-pull-request`);
  return pr;
}

export async function renderPull(deps: PullRouteDeps, repo: RepoRecord, pr: PullRecord, full: boolean): Promise<Record<string, unknown>> {
  const m = await deps.engine.reportedMergeability(repo, pr);
  const [stats, repository] = await Promise.all([
    full ? deps.engine.diffStats(repo, pr) : { commits: 0, additions: 0, deletions: 0, changedFiles: 0 },
    repoJson(deps, repo),
  ]);
  return pullPayload(repo, pr, {
    repoJson: repository,
    mergeable: m.mergeable,
    rebaseable: m.mergeable,
    mergeableState: m.state,
    ...stats,
  }, deps.urls, full);
}

function parseHead(head: string, repoOwner: string): { owner: string; ref: string } {
  const i = head.indexOf(':');
  return i < 0 ? { owner: repoOwner, ref: head } : { owner: head.slice(0, i), ref: head.slice(i + 1) };
}

function linkHeader(url: string, page: number, perPage: number, total: number): string | undefined {
  const last = Math.max(1, Math.ceil(total / perPage));
  if (last === 1) return undefined;
  const link = (p: number, rel: string): string => {
    const u = new URL(url);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page > 1) parts.push(link(page - 1, 'prev'));
  if (page < last) parts.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) parts.push(link(1, 'first'));
  return parts.join(', ');
}

export function pullRoutes(deps: PullRouteDeps): Route[] {
  const { store, engine, urls } = deps;
  const repoOf = (p: Record<string, string>): Promise<RepoRecord> => store.get(p['owner'] ?? '', p['repo'] ?? '');
  const pullOf = async (req: RouteRequest): Promise<{ repo: RepoRecord; pr: PullRecord }> => {
    const repo = await repoOf(req.params);
    return { repo, pr: findPull(repo, Number(req.params['pull_number'] ?? req.params['issue_number'])) };
  };

  const create = async (req: RouteRequest): Promise<{ status: number; body: unknown; headers: Record<string, string> }> => {
    const repo = await repoOf(req.params);
    const b = asObject(req.body);
    const title = typeof b['title'] === 'string' ? b['title'] : '';
    const headArg = typeof b['head'] === 'string' ? b['head'] : '';
    const baseRef = typeof b['base'] === 'string' ? b['base'] : '';
    const head = parseHead(headArg, repo.owner);
    const git = store.bare(repo);
    return store.withLock(repo, async () => {
      const errors: Record<string, unknown>[] = [];
      if (!title) errors.push({ resource: 'PullRequest', code: 'missing_field', field: 'title' });
      const baseSha = baseRef ? await git.resolveCommit(`refs/heads/${baseRef}`) : null;
      const headSha = head.owner.toLowerCase() === repo.owner.toLowerCase() ? await git.resolveCommit(`refs/heads/${head.ref}`) : null;
      if (!baseSha) errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
      if (!headSha) errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
      if (errors.length) throw new ApiError(422, validationFailed(errors, `${PULLS_DOC}#create-a-pull-request`));
      const dup = repo.pulls.find((p) => p.state === 'open' && p.headRef === head.ref && p.baseRef === baseRef && p.headOwner.toLowerCase() === head.owner.toLowerCase());
      if (dup) {
        throw new ApiError(422, validationFailed([{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${head.owner}:${head.ref}.` }], `${PULLS_DOC}#create-a-pull-request`));
      }
      if (await git.isAncestor(headSha as string, baseSha as string)) {
        throw new ApiError(422, validationFailed([{ resource: 'PullRequest', code: 'custom', message: `No commits between ${baseRef} and ${head.ref}` }], `${PULLS_DOC}#create-a-pull-request`));
      }
      const now = isoNow();
      const pr: PullRecord = {
        number: repo.nextNumber++, id: store.newId(), title, body: typeof b['body'] === 'string' ? b['body'] : null,
        state: 'open', draft: b['draft'] === true, user: req.actor, headOwner: head.owner, headRef: head.ref,
        headSha: headSha as string, baseRef, baseSha: baseSha as string, labels: [], comments: [], requestedReviewers: [], requestedTeams: [],
        merged: false, mergedAt: null, mergedBy: null, mergeCommitSha: null, closedAt: null, createdAt: now, updatedAt: now,
        autoMerge: null, maintainerCanModify: b['maintainer_can_modify'] !== false,
      };
      repo.pulls.push(pr);
      return { status: 201, body: await renderPull(deps, repo, pr, true), headers: { location: `${urls.api}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}` } };
    });
  };

  const list = async (req: RouteRequest): Promise<{ status: number; body: unknown; headers: Record<string, string> }> => {
    const repo = await repoOf(req.params);
    await engine.sweepAutoMerge(repo);
    const q = req.query;
    const state = q.get('state') ?? 'open';
    let pulls = repo.pulls.filter((p) => state === 'all' || p.state === state);
    const head = q.get('head');
    // GitHub only honours `head` in the `user:ref` form; a bare branch name filters nothing.
    if (head && head.includes(':')) {
      const h = parseHead(head, repo.owner);
      pulls = pulls.filter((p) => p.headOwner.toLowerCase() === h.owner.toLowerCase() && p.headRef === h.ref);
    }
    const base = q.get('base');
    if (base) pulls = pulls.filter((p) => p.baseRef === base);
    const sort = q.get('sort') ?? 'created';
    const direction = q.get('direction') ?? (sort === 'created' ? 'desc' : 'asc');
    const key = (p: PullRecord): string => (sort === 'updated' ? p.updatedAt : p.createdAt) + String(p.number).padStart(10, '0');
    pulls = [...pulls].sort((a, b) => (direction === 'asc' ? key(a).localeCompare(key(b)) : key(b).localeCompare(key(a))));
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    const slice = pulls.slice((page - 1) * perPage, page * perPage);
    const body = await Promise.all(slice.map((p) => renderPull(deps, repo, p, false)));
    const link = linkHeader(`${urls.api}${req.path}?${q.toString()}`, page, perPage, pulls.length);
    return { status: 200, body, headers: link ? { link } : {} };
  };

  const update = async (req: RouteRequest): Promise<{ status: number; body: unknown }> => {
    const { repo, pr } = await pullOf(req);
    const b = asObject(req.body);
    return store.withLock(repo, async () => {
      if (typeof b['title'] === 'string') pr.title = b['title'];
      if (typeof b['body'] === 'string') pr.body = b['body'];
      if (typeof b['base'] === 'string' && b['base'] !== pr.baseRef) {
        const sha = await store.bare(repo).resolveCommit(`refs/heads/${b['base']}`);
        if (!sha) throw new ApiError(422, validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }], `${PULLS_DOC}#update-a-pull-request`));
        pr.baseRef = b['base'];
        pr.baseSha = sha;
      }
      if (b['state'] === 'closed' && pr.state === 'open') {
        pr.state = 'closed';
        pr.closedAt = isoNow();
        pr.autoMerge = null;
      } else if (b['state'] === 'open' && pr.state === 'closed') {
        if (pr.merged) throw new ApiError(422, validationFailed([{ resource: 'PullRequest', code: 'custom', field: 'state', message: 'state cannot be changed. The pull request cannot be reopened because it was merged.' }]));
        pr.state = 'open';
        pr.closedAt = null;
      }
      if (typeof b['maintainer_can_modify'] === 'boolean') pr.maintainerCanModify = b['maintainer_can_modify'];
      pr.updatedAt = isoNow();
      return { status: 200, body: await renderPull(deps, repo, pr, true) };
    });
  };

  const merge = async (req: RouteRequest): Promise<{ status: number; body: unknown }> => {
    const { repo, pr } = await pullOf(req);
    const b = asObject(req.body);
    const method = (b['merge_method'] ?? 'merge') as MergeMethod;
    if (!['merge', 'squash', 'rebase'].includes(method)) {
      throw new ApiError(422, validationFailed([{ resource: 'PullRequest', field: 'merge_method', code: 'invalid' }], `${PULLS_DOC}#merge-a-pull-request`));
    }
    const { sha } = await engine.merge(repo, pr, {
      method,
      actor: req.actor,
      ...(typeof b['sha'] === 'string' ? { sha: b['sha'] } : {}),
      ...(typeof b['commit_title'] === 'string' ? { commitTitle: b['commit_title'] } : {}),
      ...(typeof b['commit_message'] === 'string' ? { commitMessage: b['commit_message'] } : {}),
    });
    return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
  };

  const requestReviewers = async (req: RouteRequest): Promise<{ status: number; body: unknown }> => {
    const { repo, pr } = await pullOf(req);
    const b = asObject(req.body);
    const reviewers = Array.isArray(b['reviewers']) ? b['reviewers'].map(String) : [];
    const teams = Array.isArray(b['team_reviewers']) ? b['team_reviewers'].map(String) : [];
    if (reviewers.some((r) => r.toLowerCase() === pr.user.login.toLowerCase())) {
      throw new ApiError(422, errorBody(422, 'Review cannot be requested from pull request author.', 'https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request'));
    }
    for (const r of reviewers) if (!pr.requestedReviewers.includes(r)) pr.requestedReviewers.push(r);
    for (const t of teams) if (!pr.requestedTeams.includes(t)) pr.requestedTeams.push(t);
    pr.updatedAt = isoNow();
    return { status: 201, body: await renderPull(deps, repo, pr, false) };
  };

  return [
    { method: 'POST', template: '/repos/{owner}/{repo}/pulls', auth: 'token', handle: create },
    { method: 'GET', template: '/repos/{owner}/{repo}/pulls', auth: 'token', handle: list },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/pulls/{pull_number}', auth: 'token',
      handle: async (req) => {
        const { repo, pr } = await pullOf(req);
        await engine.sweepAutoMerge(repo);
        return { status: 200, body: await renderPull(deps, repo, pr, true) };
      },
    },
    { method: 'PATCH', template: '/repos/{owner}/{repo}/pulls/{pull_number}', auth: 'token', handle: update },
    { method: 'PUT', template: '/repos/{owner}/{repo}/pulls/{pull_number}/merge', auth: 'token', handle: merge },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/pulls/{pull_number}/merge', auth: 'token',
      handle: async (req) => {
        const { pr } = await pullOf(req);
        if (!pr.merged) throw notFound(`${PULLS_DOC}#check-if-a-pull-request-has-been-merged`);
        return { status: 204 };
      },
    },
    { method: 'POST', template: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', auth: 'token', handle: requestReviewers },
  ];
}
