import type { CommitStatusReader, ReportedStatus } from './cluster-status.js';

export interface GitHubStatusReaderOptions {
  owner: string;
  repo: string;
  /** REST base URL (GitHub Enterprise: https://HOST/api/v3). */
  apiUrl?: string | undefined;
  /**
   * Any token that can read the repository (the promotion's own token or installation token), or
   * a function asked before every request: an App's installation token expires within the hour,
   * which a long `--wait-live` outlives.
   */
  token: string | (() => Promise<string>);
}

type Client = { rest: { repos: { getCombinedStatusForRef(p: { owner: string; repo: string; ref: string; per_page: number }): Promise<{ data: { statuses: { context: string; state: string; description: string | null; created_at?: string }[] } }> } } };

/**
 * Reads the combined status (latest per context) of a commit. Octokit is imported on first use,
 * like connectGitHub, so commands that never read statuses do not pay for loading it.
 */
export function createGitHubStatusReader(options: GitHubStatusReaderOptions): CommitStatusReader {
  let client: Promise<{ client: Client; translate: (what: string, err: unknown) => Error }> | undefined;
  const connect = async () => {
    const [{ Octokit }, { retry }, { translate }] = await Promise.all([import('@octokit/rest'), import('@octokit/plugin-retry'), import('../adapters/github-host.js')]);
    const RetryingOctokit = Octokit.plugin(retry);
    const token = options.token;
    const octokit = new RetryingOctokit({
      baseUrl: (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''), ...(typeof token === 'string' ? { auth: token } : {}), userAgent: 'ferry-promote',
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      retry: { doNotRetry: [400, 401, 403, 404, 422], retries: 3 },
    });
    if (typeof token === 'function') {
      octokit.hook.before('request', async (request) => {
        request.headers.authorization = `token ${await token()}`;
      });
    }
    return { client: octokit as unknown as Client, translate };
  };
  return {
    async listStatuses(sha) {
      client ??= connect();
      const { client: octokit, translate } = await client;
      try {
        const { data } = await octokit.rest.repos.getCombinedStatusForRef({ owner: options.owner, repo: options.repo, ref: sha, per_page: 100 });
        return data.statuses.map((s): ReportedStatus => ({ context: s.context, state: s.state as ReportedStatus['state'], description: s.description ?? '', ...(s.created_at ? { createdAt: s.created_at } : {}) }));
      } catch (err) {
        throw translate(`read the commit statuses of ${sha.slice(0, 12)}`, err);
      }
    },
  };
}
