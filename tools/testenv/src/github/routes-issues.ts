// Issue-side endpoints of pull requests: labels and comments (pull requests are issues on GitHub).
import type { CommentRecord, PullRecord, RepoRecord } from './emulator-state.js';
import { ApiError, asObject, type Route, type RouteRequest } from './http-kit.js';
import { actorPayload, errorBody, labelPayload, validationFailed, type Urls } from './payloads.js';
import { isoNow, type RepoStore } from './repo-store.js';
import { findPull } from './routes-pulls.js';

export function issueRoutes(deps: { store: RepoStore; urls: Urls }): Route[] {
  const { store, urls } = deps;
  const repoOf = (p: Record<string, string>): Promise<RepoRecord> => store.get(p['owner'] ?? '', p['repo'] ?? '');
  const pullOf = async (req: RouteRequest): Promise<{ repo: RepoRecord; pr: PullRecord }> => {
    const repo = await repoOf(req.params);
    return { repo, pr: findPull(repo, Number(req.params['issue_number'])) };
  };
  const labelsOf = (repo: RepoRecord, pr: PullRecord): unknown[] =>
    pr.labels.map((n) => repo.labels.get(n.toLowerCase())).filter((l) => !!l).map((l) => labelPayload(repo, l!, urls));

  const commentPayload = (repo: RepoRecord, pr: PullRecord, c: CommentRecord): Record<string, unknown> => {
    const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
    return {
      id: c.id,
      node_id: Buffer.from(`04:IssueComment${c.id}`).toString('base64'),
      url: `${api}/issues/comments/${c.id}`,
      html_url: `${urls.html}/${repo.owner}/${repo.name}/pull/${pr.number}#issuecomment-${c.id}`,
      body: c.body,
      user: actorPayload(c.user, urls),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      issue_url: `${api}/issues/${pr.number}`,
      author_association: 'MEMBER',
      performed_via_github_app: null,
      reactions: { url: `${api}/issues/comments/${c.id}/reactions`, total_count: 0, '+1': 0, '-1': 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 },
    };
  };

  return [
    {
      method: 'POST', template: '/repos/{owner}/{repo}/issues/{issue_number}/labels', auth: 'token',
      handle: async (req) => {
        const { repo, pr } = await pullOf(req);
        const raw = Array.isArray(req.body) ? req.body : asObject(req.body)['labels'];
        const names = (Array.isArray(raw) ? raw : []).map((l) => (typeof l === 'string' ? l : String(asObject(l)['name'] ?? ''))).filter(Boolean);
        for (const name of names) {
          const key = name.toLowerCase();
          if (!repo.labels.has(key)) repo.labels.set(key, { id: store.newId(), name, color: 'ededed', description: null });
          if (!pr.labels.some((l) => l.toLowerCase() === key)) pr.labels.push(repo.labels.get(key)?.name ?? name);
        }
        pr.updatedAt = isoNow();
        return { status: 200, body: labelsOf(repo, pr) };
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/issues/{issue_number}/labels', auth: 'token',
      handle: async (req) => {
        const { repo, pr } = await pullOf(req);
        return { status: 200, body: labelsOf(repo, pr) };
      },
    },
    {
      method: 'DELETE', template: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', auth: 'token',
      handle: async (req) => {
        const { repo, pr } = await pullOf(req);
        const key = (req.params['name'] ?? '').toLowerCase();
        if (!pr.labels.some((l) => l.toLowerCase() === key)) throw new ApiError(404, errorBody(404, 'Label does not exist', 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue'));
        pr.labels = pr.labels.filter((l) => l.toLowerCase() !== key);
        return { status: 200, body: labelsOf(repo, pr) };
      },
    },
    {
      method: 'POST', template: '/repos/{owner}/{repo}/labels', auth: 'token',
      handle: async (req) => {
        const repo = await repoOf(req.params);
        const b = asObject(req.body);
        const name = typeof b['name'] === 'string' ? b['name'] : '';
        const color = typeof b['color'] === 'string' ? b['color'].replace(/^#/, '') : 'ededed';
        const doc = 'https://docs.github.com/rest/issues/labels#create-a-label';
        if (!name) throw new ApiError(422, validationFailed([{ resource: 'Label', code: 'missing_field', field: 'name' }], doc));
        if (!/^[0-9a-fA-F]{6}$/.test(color)) throw new ApiError(422, validationFailed([{ resource: 'Label', code: 'invalid', field: 'color' }], doc));
        if (repo.labels.has(name.toLowerCase())) throw new ApiError(422, validationFailed([{ resource: 'Label', code: 'already_exists', field: 'name' }], doc));
        const label = { id: store.newId(), name, color, description: typeof b['description'] === 'string' ? b['description'] : null };
        repo.labels.set(name.toLowerCase(), label);
        return { status: 201, body: labelPayload(repo, label, urls), headers: { location: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}` } };
      },
    },
    {
      method: 'POST', template: '/repos/{owner}/{repo}/issues/{issue_number}/comments', auth: 'token',
      handle: async (req) => {
        const { repo, pr } = await pullOf(req);
        const body = asObject(req.body)['body'];
        if (typeof body !== 'string' || body === '') {
          throw new ApiError(422, validationFailed([{ resource: 'IssueComment', code: 'missing_field', field: 'body' }], 'https://docs.github.com/rest/issues/comments#create-an-issue-comment'));
        }
        const now = isoNow();
        const comment: CommentRecord = { id: store.newId(), body, user: req.actor, createdAt: now, updatedAt: now };
        pr.comments.push(comment);
        pr.updatedAt = now;
        const json = commentPayload(repo, pr, comment);
        return { status: 201, body: json, headers: { location: String(json['url']) } };
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/issues/{issue_number}/comments', auth: 'token',
      handle: async (req) => {
        const { repo, pr } = await pullOf(req);
        return { status: 200, body: pr.comments.map((c) => commentPayload(repo, pr, c)) };
      },
    },
  ];
}
