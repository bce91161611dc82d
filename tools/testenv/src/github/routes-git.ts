// Repository, git reference and contents endpoints, answered from the bare repos.
import type { RepoRecord } from './emulator-state.js';
import { ApiError, asObject, notFound, requireString, type Route } from './http-kit.js';
import { errorBody, refPayload, repoPayload, type Urls } from './payloads.js';
import type { RepoStore } from './repo-store.js';

const REFS_DOC = 'https://docs.github.com/rest/git/refs';

export interface RouteDeps {
  store: RepoStore;
  urls: Urls;
}

async function pushedAt(deps: RouteDeps, repo: RepoRecord): Promise<string> {
  const out = await deps.store.bare(repo).run(['for-each-ref', '--sort=-committerdate', '--count=1', '--format=%(committerdate:unix)', 'refs/heads/']);
  const seconds = Number(out.stdout.trim());
  return seconds ? new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') : repo.createdAt;
}

export async function repoJson(deps: RouteDeps, repo: RepoRecord): Promise<Record<string, unknown>> {
  const [branch, pushed] = await Promise.all([deps.store.defaultBranch(repo), pushedAt(deps, repo)]);
  return repoPayload(repo, branch, pushed, deps.urls);
}

function chunkBase64(data: Buffer): string {
  // GitHub wraps base64 content at 60 characters per line.
  return (data.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n';
}

export function gitRoutes(deps: RouteDeps): Route[] {
  const { store, urls } = deps;
  const repoOf = (p: Record<string, string>): Promise<RepoRecord> => store.get(p['owner'] ?? '', p['repo'] ?? '');

  const readRef = async (repo: RepoRecord, ref: string): Promise<Record<string, unknown> | null> => {
    const full = `refs/${ref}`;
    const sha = await store.bare(repo).readRef(full);
    if (!sha) return null;
    const type = (await store.bare(repo).objectType(sha)) ?? 'commit';
    return refPayload(repo, full, sha, type, urls);
  };

  return [
    {
      method: 'GET', template: '/repos/{owner}/{repo}', auth: 'token',
      handle: async ({ params }) => ({ status: 200, body: await repoJson(deps, await repoOf(params)) }),
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/git/ref/{ref}', auth: 'token',
      handle: async ({ params }) => {
        const body = await readRef(await repoOf(params), params['ref'] ?? '');
        if (!body) throw notFound(`${REFS_DOC}#get-a-reference`);
        return { status: 200, body };
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/git/matching-refs/{ref}', auth: 'token',
      handle: async ({ params }) => {
        const repo = await repoOf(params);
        const prefix = `refs/${params['ref'] ?? ''}`;
        const refs = (await store.bare(repo).listRefs('refs/')).filter((r) => r.ref.startsWith(prefix));
        return { status: 200, body: refs.map((r) => refPayload(repo, r.ref, r.sha, r.type, urls)) };
      },
    },
    {
      method: 'POST', template: '/repos/{owner}/{repo}/git/refs', auth: 'token',
      handle: async ({ params, body }) => {
        const repo = await repoOf(params);
        const ref = requireString(body, 'ref', 'Reference');
        const sha = requireString(body, 'sha', 'Reference');
        if (!/^refs\/[^/]+\/.+/.test(ref)) {
          throw new ApiError(422, errorBody(422, 'Reference name must start with \'refs/\' and have at least two slashes.', `${REFS_DOC}#create-a-reference`));
        }
        const git = store.bare(repo);
        if (!(await git.objectType(sha))) throw new ApiError(422, errorBody(422, 'Object does not exist', `${REFS_DOC}#create-a-reference`));
        return store.withLock(repo, async () => {
          if (!(await git.updateRef(ref, sha, ''))) {
            throw new ApiError(422, errorBody(422, 'Reference already exists', `${REFS_DOC}#create-a-reference`));
          }
          const created = await readRef(repo, ref.slice('refs/'.length));
          return { status: 201, body: created, headers: { location: `${urls.api}/repos/${repo.owner}/${repo.name}/git/${ref}` } };
        });
      },
    },
    {
      method: 'PATCH', template: '/repos/{owner}/{repo}/git/refs/{ref}', auth: 'token',
      handle: async ({ params, body }) => {
        const repo = await repoOf(params);
        const sha = requireString(body, 'sha', 'Reference');
        const force = asObject(body)['force'] === true;
        const ref = `refs/${params['ref'] ?? ''}`;
        const git = store.bare(repo);
        return store.withLock(repo, async () => {
          const current = await git.readRef(ref);
          if (!current) throw new ApiError(422, errorBody(422, 'Reference does not exist', `${REFS_DOC}#update-a-reference`));
          if (!(await git.objectType(sha))) throw new ApiError(422, errorBody(422, 'Object does not exist', `${REFS_DOC}#update-a-reference`));
          if (!force && !(await git.isAncestor(current, sha))) {
            throw new ApiError(422, errorBody(422, 'Update is not a fast forward', `${REFS_DOC}#update-a-reference`));
          }
          if (!(await git.updateRef(ref, sha, current))) {
            throw new ApiError(422, errorBody(422, 'Update is not a fast forward', `${REFS_DOC}#update-a-reference`));
          }
          return { status: 200, body: await readRef(repo, ref.slice('refs/'.length)) };
        });
      },
    },
    {
      method: 'DELETE', template: '/repos/{owner}/{repo}/git/refs/{ref}', auth: 'token',
      handle: async ({ params }) => {
        const repo = await repoOf(params);
        const ref = `refs/${params['ref'] ?? ''}`;
        return store.withLock(repo, async () => {
          if (!(await store.bare(repo).readRef(ref)) || !(await store.bare(repo).deleteRef(ref))) {
            throw new ApiError(422, errorBody(422, 'Reference does not exist', `${REFS_DOC}#delete-a-reference`));
          }
          return { status: 204 };
        });
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/contents/{path}', auth: 'token',
      handle: async ({ params, query, headers }) => {
        const repo = await repoOf(params);
        const git = store.bare(repo);
        const ref = query.get('ref') || (await store.defaultBranch(repo));
        const commit = await git.resolveCommit(ref);
        if (!commit) throw new ApiError(404, errorBody(404, `No commit found for the ref ${ref}`, 'https://docs.github.com/rest/repos/contents#get-repository-content'));
        const path = (params['path'] ?? '').replace(/^\/+|\/+$/g, '');
        const stat = path ? await git.statPath(commit, path) : { type: 'tree', sha: '' };
        if (!stat) throw notFound('https://docs.github.com/rest/repos/contents#get-repository-content');
        const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
        const entry = (p: string, type: string, sha: string, size: number): Record<string, unknown> => {
          const kind = type === 'tree' ? 'dir' : type === 'commit' ? 'submodule' : 'file';
          const html = `${urls.html}/${repo.owner}/${repo.name}/${kind === 'dir' ? 'tree' : 'blob'}/${ref}/${p}`;
          const self = `${api}/contents/${p}?ref=${encodeURIComponent(ref)}`;
          const gitUrl = `${api}/git/${kind === 'dir' ? 'trees' : 'blobs'}/${sha}`;
          return {
            type: kind, size, name: p.split('/').pop() ?? p, path: p, sha, url: self, git_url: gitUrl, html_url: html,
            download_url: kind === 'file' ? `${urls.html}/raw/${repo.owner}/${repo.name}/${ref}/${p}` : null,
            _links: { self, git: gitUrl, html },
          };
        };
        if (stat.type === 'tree') {
          const entries = await git.listTree(commit, path);
          return { status: 200, body: entries.map((e) => entry(e.path, e.type, e.sha, e.size)) };
        }
        const data = await git.readBlob(stat.sha);
        const accept = String(headers['accept'] ?? '');
        if (accept.includes('application/vnd.github.raw') || accept.includes('application/vnd.github.v3.raw')) {
          return { status: 200, raw: data, headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' } };
        }
        return { status: 200, body: { ...entry(path, 'blob', stat.sha, data.length), content: chunkBase64(data), encoding: 'base64' } };
      },
    },
  ];
}

