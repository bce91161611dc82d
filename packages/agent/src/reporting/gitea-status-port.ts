import { giteaApiBase } from '@ferry/manifest-model';
import type { CommitStatusPort } from './commit-status.js';
import { createStatusPort } from './post-commit-status.js';
import { tokenSourceOf, type TokenSource } from '../credentials/token-source.js';

export interface GiteaStatusPortOptions {
  /**
   * Gitea's (or Forgejo's) base URL, e.g. https://gitea.example.com; the REST API is under
   * `/api/v1` of it (a URL already ending in /api/v1 is taken as it is). No default: there is no
   * public Gitea.
   */
  apiUrl: string;
  /** An access token with the `write:repository` scope on the config repository's owner (a TokenSource: asked per request). */
  token: string | TokenSource;
  /** Per request; a slow API never holds up the reconcile loop for long. Default 10 s. */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch;
}

// The REST base rule is shared with the promoter, in manifest-model.
export { giteaApiBase } from '@ferry/manifest-model';

/**
 * `POST /api/v1/repos/{owner}/{repo}/statuses/{sha}` on Gitea or Forgejo, over plain fetch, like
 * the GitHub port: the same states (pending, success, failure, error), context and description
 * (redacted and cut by the reporter). One retry on a 5xx or a cut connection; other failures go
 * to the caller as the status line and a short excerpt, never the token.
 */
export function createGiteaStatusPort(options: GiteaStatusPortOptions): CommitStatusPort {
  const tokens = tokenSourceOf(options.token);
  return createStatusPort({
    apiBase: giteaApiBase(options.apiUrl),
    authorization: async () => `token ${await tokens.token()}`,
    refused: (authorization) => tokens.refused?.(authorization.slice('token '.length)),
    headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'ferry-agent' },
    permissionHint: 'the status token needs the write:repository scope on the config repository (a Gitea access token of a user who may write it)',
    timeoutMs: options.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
