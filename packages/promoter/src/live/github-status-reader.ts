import { retry } from '@octokit/plugin-retry';
import { Octokit } from '@octokit/rest';
import { translate } from '../adapters/github-host.js';
import type { CommitStatusReader, ReportedStatus } from './cluster-status.js';

export interface GitHubStatusReaderOptions {
  owner: string;
  repo: string;
  /** REST base URL (GitHub Enterprise: https://HOST/api/v3). */
  apiUrl?: string | undefined;
  /** Any token that can read the repository (the promotion's own token or installation token). */
  token: string;
}

const RetryingOctokit = Octokit.plugin(retry);

/** Reads the combined status (latest per context) of a commit. */
export function createGitHubStatusReader(options: GitHubStatusReaderOptions): CommitStatusReader {
  const client = new RetryingOctokit({
    baseUrl: (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''), auth: options.token, userAgent: 'ferry-promote',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    retry: { doNotRetry: [400, 401, 403, 404, 422], retries: 3 },
  });
  return {
    async listStatuses(sha) {
      try {
        const { data } = await client.rest.repos.getCombinedStatusForRef({ owner: options.owner, repo: options.repo, ref: sha, per_page: 100 });
        return data.statuses.map((s): ReportedStatus => ({ context: s.context, state: s.state as ReportedStatus['state'], description: s.description ?? '' }));
      } catch (err) {
        throw translate(`read the commit statuses of ${sha.slice(0, 12)}`, err);
      }
    },
  };
}
