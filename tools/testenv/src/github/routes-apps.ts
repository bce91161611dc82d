// GitHub App endpoints (app JWT auth): installation lookup and installation access tokens.
import type { AppAuthority } from './app-auth.js';
import { ApiError, notFound, type Route } from './http-kit.js';
import { errorBody, ownerPayload, type Urls } from './payloads.js';
import type { RepoStore } from './repo-store.js';

export function appRoutes(deps: { store: RepoStore; urls: Urls; app: AppAuthority }): Route[] {
  const { store, urls, app } = deps;
  const created = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  const installation = (account: string): Record<string, unknown> => ({
    id: app.installationId,
    account: ownerPayload(account, urls),
    repository_selection: 'all',
    access_tokens_url: `${urls.api}/app/installations/${app.installationId}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.html}/organizations/${account}/settings/installations/${app.installationId}`,
    app_id: app.options.appId,
    client_id: `Iv1.${String(app.options.appId).padStart(16, '0')}`,
    target_id: (ownerPayload(account, urls)['id'] as number),
    target_type: 'Organization',
    permissions: { contents: 'write', pull_requests: 'write', statuses: 'write', metadata: 'read' },
    events: ['pull_request', 'status'],
    created_at: created,
    updated_at: created,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    app_slug: app.slug,
    suspended_by: null,
    suspended_at: null,
  });

  return [
    {
      method: 'GET', template: '/repos/{owner}/{repo}/installation', auth: 'app-jwt',
      handle: async ({ params }) => {
        const repo = await store.get(params['owner'] ?? '', params['repo'] ?? '');
        return { status: 200, body: installation(repo.owner) };
      },
    },
    {
      method: 'GET', template: '/app/installations/{installation_id}', auth: 'app-jwt',
      handle: async ({ params }) => {
        if (Number(params['installation_id']) !== app.installationId) throw notFound('https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app');
        const owner = [...store.state.repos.values()][0]?.owner ?? 'ferry';
        return { status: 200, body: installation(owner) };
      },
    },
    {
      method: 'POST', template: '/app/installations/{installation_id}/access_tokens', auth: 'app-jwt',
      handle: async ({ params }) => {
        const id = Number(params['installation_id']);
        if (id !== app.installationId) {
          throw new ApiError(404, errorBody(404, 'Not Found', 'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app'));
        }
        const t = app.issueToken(id);
        return {
          status: 201,
          body: {
            token: t.token,
            expires_at: t.expiresAt.toISOString().replace(/\.\d+Z$/, 'Z'),
            permissions: { contents: 'write', pull_requests: 'write', statuses: 'write', metadata: 'read' },
            repository_selection: 'all',
          },
        };
      },
    },
  ];
}
