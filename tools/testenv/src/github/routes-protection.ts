// Branch protection endpoints. Required status checks drive mergeability and auto-merge; reviews
// and push restrictions are stored and echoed back like GitHub does, but not enforced.
import type { ProtectionRecord, RepoRecord } from './emulator-state.js';
import { ApiError, asObject, type Route } from './http-kit.js';
import { errorBody, teamPayload, userPayload, idForLogin, type Urls } from './payloads.js';
import type { PullEngine } from './pull-engine.js';
import type { RepoStore } from './repo-store.js';

const DOC = 'https://docs.github.com/rest/branches/branch-protection';

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Parses the PUT body (every top-level key is required by GitHub, null meaning "off"). */
export function parseProtection(body: unknown): ProtectionRecord {
  const b = asObject(body);
  const checks = b['required_status_checks'] === null ? null : asObject(b['required_status_checks']);
  const reviews = b['required_pull_request_reviews'] === null || b['required_pull_request_reviews'] === undefined ? null : asObject(b['required_pull_request_reviews']);
  const restrictions = b['restrictions'] === null || b['restrictions'] === undefined ? null : asObject(b['restrictions']);
  const dismissal = reviews ? asObject(reviews['dismissal_restrictions']) : {};
  return {
    checks: checks ? { strict: checks['strict'] === true, contexts: strings(checks['contexts'] ?? (Array.isArray(checks['checks']) ? (checks['checks'] as unknown[]).map((c) => asObject(c)['context']) : [])) } : null,
    enforceAdmins: b['enforce_admins'] === true,
    reviews: reviews
      ? {
          dismissStale: reviews['dismiss_stale_reviews'] === true,
          codeOwners: reviews['require_code_owner_reviews'] === true,
          count: typeof reviews['required_approving_review_count'] === 'number' ? reviews['required_approving_review_count'] : 1,
          dismissalUsers: strings(dismissal['users']),
          dismissalTeams: strings(dismissal['teams']),
        }
      : null,
    restrictions: restrictions ? { users: strings(restrictions['users']), teams: strings(restrictions['teams']) } : null,
  };
}

export function protectionRoutes(deps: { store: RepoStore; urls: Urls; engine: PullEngine }): Route[] {
  const { store, urls, engine } = deps;
  const repoOf = (p: Record<string, string>): Promise<RepoRecord> => store.get(p['owner'] ?? '', p['repo'] ?? '');
  const base = (repo: RepoRecord, branch: string): string => `${urls.api}/repos/${repo.owner}/${repo.name}/branches/${encodeURIComponent(branch)}/protection`;
  const user = (login: string): Record<string, unknown> => userPayload({ login, id: idForLogin(login), type: 'User' }, urls);

  const checksJson = (repo: RepoRecord, branch: string, checks: NonNullable<ProtectionRecord['checks']>): Record<string, unknown> => ({
    url: `${base(repo, branch)}/required_status_checks`,
    strict: checks.strict,
    contexts: checks.contexts,
    contexts_url: `${base(repo, branch)}/required_status_checks/contexts`,
    checks: checks.contexts.map((context) => ({ context, app_id: null })),
  });

  const protectionJson = (repo: RepoRecord, branch: string, p: ProtectionRecord): Record<string, unknown> => {
    const url = base(repo, branch);
    return {
      url,
      ...(p.checks ? { required_status_checks: checksJson(repo, branch, p.checks) } : {}),
      ...(p.restrictions
        ? {
            restrictions: {
              url: `${url}/restrictions`, users_url: `${url}/restrictions/users`, teams_url: `${url}/restrictions/teams`, apps_url: `${url}/restrictions/apps`,
              users: p.restrictions.users.map(user), teams: p.restrictions.teams.map((t) => teamPayload(repo.owner, t, urls)), apps: [],
            },
          }
        : {}),
      ...(p.reviews
        ? {
            required_pull_request_reviews: {
              url: `${url}/required_pull_request_reviews`,
              dismiss_stale_reviews: p.reviews.dismissStale,
              require_code_owner_reviews: p.reviews.codeOwners,
              required_approving_review_count: p.reviews.count,
              require_last_push_approval: false,
              dismissal_restrictions: {
                url: `${url}/dismissal_restrictions`, users_url: `${url}/dismissal_restrictions/users`, teams_url: `${url}/dismissal_restrictions/teams`,
                users: p.reviews.dismissalUsers.map(user), teams: p.reviews.dismissalTeams.map((t) => teamPayload(repo.owner, t, urls)), apps: [],
              },
            },
          }
        : {}),
      required_signatures: { url: `${url}/required_signatures`, enabled: false },
      enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforceAdmins },
      required_linear_history: { enabled: false },
      allow_force_pushes: { enabled: false },
      allow_deletions: { enabled: false },
      block_creations: { enabled: false },
      required_conversation_resolution: { enabled: false },
      lock_branch: { enabled: false },
      allow_fork_syncing: { enabled: false },
    };
  };

  const notProtected = (what: string): ApiError => new ApiError(404, errorBody(404, 'Branch not protected', `${DOC}#${what}`));

  return [
    {
      method: 'GET', template: '/repos/{owner}/{repo}/branches/{branch}/protection', auth: 'token',
      handle: async ({ params }) => {
        const repo = await repoOf(params);
        const branch = params['branch'] ?? '';
        const p = repo.protection.get(branch);
        if (!p) throw notProtected('get-branch-protection');
        return { status: 200, body: protectionJson(repo, branch, p) };
      },
    },
    {
      method: 'PUT', template: '/repos/{owner}/{repo}/branches/{branch}/protection', auth: 'token',
      handle: async ({ params, body }) => {
        const repo = await repoOf(params);
        const branch = params['branch'] ?? '';
        if (!(await store.bare(repo).resolveCommit(`refs/heads/${branch}`))) throw new ApiError(404, errorBody(404, 'Branch not found', `${DOC}#update-branch-protection`));
        const p = parseProtection(body);
        repo.protection.set(branch, p);
        await engine.sweepAutoMerge(repo);
        return { status: 200, body: protectionJson(repo, branch, p) };
      },
    },
    {
      method: 'DELETE', template: '/repos/{owner}/{repo}/branches/{branch}/protection', auth: 'token',
      handle: async ({ params }) => {
        const repo = await repoOf(params);
        if (!repo.protection.delete(params['branch'] ?? '')) throw notProtected('delete-branch-protection');
        return { status: 204 };
      },
    },
    {
      method: 'GET', template: '/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks', auth: 'token',
      handle: async ({ params }) => {
        const repo = await repoOf(params);
        const branch = params['branch'] ?? '';
        const checks = repo.protection.get(branch)?.checks;
        if (!checks) throw notProtected('get-status-checks-protection');
        return { status: 200, body: checksJson(repo, branch, checks) };
      },
    },
  ];
}
