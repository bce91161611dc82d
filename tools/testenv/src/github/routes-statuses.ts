// Commit status endpoints. A new status may complete a required check, so it triggers auto-merge.
import type { StatusState } from './emulator-state.js';
import { ApiError, asObject, type Route } from './http-kit.js';
import { errorBody, ownerPayload, repoPayload, statusPayload, validationFailed } from './payloads.js';
import { combineStatuses } from './pull-engine.js';
import { isoNow } from './repo-store.js';
import type { PullRouteDeps } from './routes-pulls.js';

const STATUS_DOC = 'https://docs.github.com/rest/commits/statuses';
const STATES: readonly StatusState[] = ['error', 'failure', 'pending', 'success'];

/** A commit status as recorded, told to listeners before the POST is answered. */
export interface RecordedStatus { repo: string; sha: string; context: string; state: StatusState; description: string | null }

export function statusRoutes(deps: PullRouteDeps & { statusListeners: Array<(status: RecordedStatus) => void> }): Route[] {
  const { store, urls, engine } = deps;

  const resolve = async (owner: string, name: string, ref: string): Promise<{ repo: Awaited<ReturnType<typeof store.get>>; sha: string }> => {
    const repo = await store.get(owner, name);
    const git = store.bare(repo);
    const sha = (await git.resolveCommit(ref)) ?? (await git.resolveCommit(`refs/heads/${ref}`));
    if (!sha) throw new ApiError(422, errorBody(422, `No commit found for SHA: ${ref}`, STATUS_DOC));
    return { repo, sha };
  };

  return [
    {
      method: 'POST', template: '/repos/{owner}/{repo}/statuses/{sha}', auth: 'token',
      handle: async ({ params, body, actor }) => {
        const b = asObject(body);
        const { repo, sha } = await resolve(params['owner'] ?? '', params['repo'] ?? '', params['sha'] ?? '');
        const state = b['state'] as StatusState;
        if (!STATES.includes(state)) {
          throw new ApiError(422, validationFailed([{ resource: 'Status', code: 'custom', field: 'state', message: 'state is not included in the list' }], `${STATUS_DOC}#create-a-commit-status`));
        }
        const now = isoNow();
        const record = {
          id: store.newId(), sha, state, context: typeof b['context'] === 'string' && b['context'] ? b['context'] : 'default',
          description: typeof b['description'] === 'string' ? b['description'] : null,
          targetUrl: typeof b['target_url'] === 'string' ? b['target_url'] : null,
          createdAt: now, updatedAt: now, creator: actor,
        };
        repo.statuses.push(record);
        for (const listener of deps.statusListeners) listener({ repo: `${repo.owner}/${repo.name}`, sha, context: record.context, state, description: record.description });
        await engine.sweepAutoMerge(repo);
        return { status: 201, body: statusPayload(repo, record, urls), headers: { location: `${urls.api}/repos/${repo.owner}/${repo.name}/statuses/${sha}` } };
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/commits/{ref}/statuses', auth: 'token',
      handle: async ({ params }) => {
        const { repo, sha } = await resolve(params['owner'] ?? '', params['repo'] ?? '', params['ref'] ?? '');
        const list = repo.statuses.filter((s) => s.sha === sha).sort((a, b) => b.id - a.id);
        return { status: 200, body: list.map((s) => statusPayload(repo, s, urls)) };
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/commits/{ref}/status', auth: 'token',
      handle: async ({ params }) => {
        const { repo, sha } = await resolve(params['owner'] ?? '', params['repo'] ?? '', params['ref'] ?? '');
        const combined = combineStatuses(repo, sha);
        const full = repoPayload(repo, await store.defaultBranch(repo), repo.createdAt, urls);
        const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
        return {
          status: 200,
          body: {
            state: combined.state,
            statuses: combined.latest.map((s) => {
              const { creator: _creator, ...simple } = statusPayload(repo, s, urls);
              return simple;
            }),
            sha,
            total_count: combined.latest.length,
            repository: { ...full, owner: ownerPayload(repo.owner, urls) },
            commit_url: `${api}/commits/${sha}`,
            url: `${api}/commits/${sha}/status`,
          },
        };
      },
    },
  ];
}
