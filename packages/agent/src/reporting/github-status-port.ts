import type { CommitStatusPort } from './commit-status.js';
import { createStatusPort } from './post-commit-status.js';
import { tokenSourceOf, type TokenSource } from '../credentials/token-source.js';

export interface GitHubStatusPortOptions {
  /** REST base: https://api.github.com (default) or https://HOST/api/v3 for GitHub Enterprise. */
  apiUrl?: string | undefined;
  /**
   * A token that may create commit statuses and nothing more: a fine-grained PAT or GitHub App
   * installation token with "Commit statuses: write" on the config repository. A TokenSource is
   * asked before every request (a re-read file, a refreshed installation token).
   */
  token: string | TokenSource;
  /** Per request; a slow API never holds up the reconcile loop for long. Default 10 s. */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch;
}

/** `POST /repos/{owner}/{repo}/statuses/{sha}` on GitHub (see createStatusPort for retries and errors). */
export function createGitHubStatusPort(options: GitHubStatusPortOptions): CommitStatusPort {
  const tokens = tokenSourceOf(options.token);
  return createStatusPort({
    apiBase: (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
    authorization: async () => `Bearer ${await tokens.token()}`,
    refused: (authorization) => tokens.refused?.(authorization.slice('Bearer '.length)),
    headers: {
      accept: 'application/vnd.github+json',
      'content-type': 'application/json', 'user-agent': 'ferry-agent', 'x-github-api-version': '2022-11-28',
    },
    permissionHint: 'the status token needs "Commit statuses: write" on the config repository (and nothing more)',
    timeoutMs: options.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
