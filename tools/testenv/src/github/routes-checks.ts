// Check runs (what GitHub Actions and other apps report). Only GitHub Apps may create them, as on
// GitHub; a check run named like a required context satisfies it, so completing one can auto-merge.
import type { AppAuthority } from './app-auth.js';
import type { CheckRunConclusion, CheckRunRecord, CheckRunStatus, RepoRecord } from './emulator-state.js';
import { ApiError, asObject, type Route, type RouteRequest } from './http-kit.js';
import { errorBody, ownerPayload, validationFailed, type Urls } from './payloads.js';
import type { PullEngine } from './pull-engine.js';
import { isoNow, type RepoStore } from './repo-store.js';

const DOC = 'https://docs.github.com/rest/checks/runs';
const STATUSES: readonly CheckRunStatus[] = ['queued', 'in_progress', 'completed'];
const CONCLUSIONS: readonly CheckRunConclusion[] = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'];

export function checkRoutes(deps: { store: RepoStore; urls: Urls; engine: PullEngine; app: AppAuthority | null }): Route[] {
  const { store, urls, engine, app } = deps;
  const repoOf = (p: Record<string, string>): Promise<RepoRecord> => store.get(p['owner'] ?? '', p['repo'] ?? '');

  const requireApp = (req: RouteRequest, doc: string): void => {
    if (req.actor.via !== 'installation' || !app) throw new ApiError(403, errorBody(403, 'You must authenticate via a GitHub App.', doc));
  };

  const appJson = (repo: RepoRecord): Record<string, unknown> => ({
    id: app?.options.appId ?? 0,
    slug: app?.slug ?? 'app',
    node_id: Buffer.from(`04:Integration${app?.options.appId ?? 0}`).toString('base64'),
    owner: ownerPayload(repo.owner, urls),
    name: app?.slug ?? 'app',
    description: null,
    external_url: `${urls.html}/apps/${app?.slug ?? 'app'}`,
    html_url: `${urls.html}/apps/${app?.slug ?? 'app'}`,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    permissions: { checks: 'write', contents: 'write', pull_requests: 'write', statuses: 'write', metadata: 'read' },
    events: [],
  });

  const runJson = (repo: RepoRecord, c: CheckRunRecord): Record<string, unknown> => {
    const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
    return {
      id: c.id,
      head_sha: c.sha,
      node_id: Buffer.from(`04:CheckRun${c.id}`).toString('base64'),
      external_id: c.externalId ?? '',
      url: `${api}/check-runs/${c.id}`,
      html_url: `${urls.html}/${repo.owner}/${repo.name}/runs/${c.id}`,
      details_url: c.detailsUrl,
      status: c.status,
      conclusion: c.conclusion,
      started_at: c.startedAt,
      completed_at: c.completedAt,
      output: { ...c.output, annotations_count: 0, annotations_url: `${api}/check-runs/${c.id}/annotations` },
      name: c.name,
      check_suite: { id: c.id },
      app: appJson(repo),
      pull_requests: [],
    };
  };

  /** Applies status/conclusion from a create or update body; GitHub completes a run given a conclusion. */
  const applyBody = (run: CheckRunRecord, b: Record<string, unknown>, doc: string): void => {
    const status = b['status'] as CheckRunStatus | undefined;
    const conclusion = b['conclusion'] as CheckRunConclusion | undefined;
    if (status !== undefined && !STATUSES.includes(status)) throw new ApiError(422, validationFailed([{ resource: 'CheckRun', code: 'invalid', field: 'status' }], doc));
    if (conclusion !== undefined && !CONCLUSIONS.includes(conclusion)) throw new ApiError(422, validationFailed([{ resource: 'CheckRun', code: 'invalid', field: 'conclusion' }], doc));
    if (status === 'completed' && conclusion === undefined && run.conclusion === null) {
      throw new ApiError(422, errorBody(422, 'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.', doc));
    }
    if (conclusion !== undefined) {
      run.conclusion = conclusion;
      run.status = 'completed';
      run.completedAt = typeof b['completed_at'] === 'string' ? b['completed_at'] : isoNow();
    } else if (status !== undefined) {
      run.status = status;
    }
    if (typeof b['details_url'] === 'string') run.detailsUrl = b['details_url'];
    if (typeof b['external_id'] === 'string') run.externalId = b['external_id'];
    const output = asObject(b['output']);
    for (const key of ['title', 'summary', 'text'] as const) if (typeof output[key] === 'string') run.output[key] = output[key] as string;
  };

  return [
    {
      method: 'POST', template: '/repos/{owner}/{repo}/check-runs', auth: 'token',
      handle: async (req) => {
        const doc = `${DOC}#create-a-check-run`;
        requireApp(req, doc);
        const repo = await repoOf(req.params);
        const b = asObject(req.body);
        const name = typeof b['name'] === 'string' ? b['name'] : '';
        const headSha = typeof b['head_sha'] === 'string' ? b['head_sha'] : '';
        if (!name) throw new ApiError(422, validationFailed([{ resource: 'CheckRun', code: 'missing_field', field: 'name' }], doc));
        const sha = await store.bare(repo).resolveCommit(headSha);
        if (!sha || sha !== headSha) throw new ApiError(422, validationFailed([{ resource: 'CheckRun', code: 'invalid', field: 'head_sha' }], doc));
        const run: CheckRunRecord = {
          id: store.newId(), sha, name, status: 'queued', conclusion: null, detailsUrl: null, externalId: null,
          startedAt: typeof b['started_at'] === 'string' ? b['started_at'] : isoNow(), completedAt: null,
          output: { title: null, summary: null, text: null }, appId: app?.options.appId ?? 0,
        };
        applyBody(run, b, doc);
        repo.checkRuns.push(run);
        await engine.sweepAutoMerge(repo);
        return { status: 201, body: runJson(repo, run) };
      },
    },
    {
      method: 'PATCH', template: '/repos/{owner}/{repo}/check-runs/{check_run_id}', auth: 'token',
      handle: async (req) => {
        const doc = `${DOC}#update-a-check-run`;
        requireApp(req, doc);
        const repo = await repoOf(req.params);
        const run = repo.checkRuns.find((c) => c.id === Number(req.params['check_run_id']));
        if (!run) throw new ApiError(404, errorBody(404, 'Not Found', doc));
        applyBody(run, asObject(req.body), doc);
        await engine.sweepAutoMerge(repo);
        return { status: 200, body: runJson(repo, run) };
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/commits/{ref}/check-runs', auth: 'token',
      handle: async (req) => {
        const repo = await repoOf(req.params);
        const ref = req.params['ref'] ?? '';
        const git = store.bare(repo);
        const sha = (await git.resolveCommit(ref)) ?? (await git.resolveCommit(`refs/heads/${ref}`));
        if (!sha) throw new ApiError(422, errorBody(422, `No commit found for SHA: ${ref}`, `${DOC}#list-check-runs-for-a-git-reference`));
        const name = req.query.get('check_name');
        const runs = repo.checkRuns.filter((c) => c.sha === sha && (!name || c.name === name)).sort((a, b) => b.id - a.id);
        return { status: 200, body: { total_count: runs.length, check_runs: runs.map((c) => runJson(repo, c)) } };
      },
    },
  ];
}
