import { FerryError } from '@ferry/manifest-model';
import { describeStatusLine, excerptResponseBody } from '@ferry/git-http';
import type { CommitStatus, CommitStatusPort } from './commit-status.js';

export interface GiteaStatusPortOptions {
  /**
   * Gitea's (or Forgejo's) base URL, e.g. https://gitea.example.com; the REST API is under
   * `/api/v1` of it (a URL already ending in /api/v1 is taken as it is). No default: there is no
   * public Gitea.
   */
  apiUrl: string;
  /** An access token with the `write:repository` scope on the config repository's owner. */
  token: string;
  /** Per request; a slow API never holds up the reconcile loop for long. Default 10 s. */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch;
}

/** `https://gitea.example.com/` or `.../api/v1` -> `https://gitea.example.com/api/v1`. */
export function giteaApiBase(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, '');
  return /\/api\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`;
}

/**
 * `POST /api/v1/repos/{owner}/{repo}/statuses/{sha}` on Gitea or Forgejo, over plain fetch, like
 * the GitHub port: the same states (pending, success, failure, error), context and description
 * (redacted and cut by the reporter). One retry on a 5xx or a cut connection; other failures go
 * to the caller as the status line and a short excerpt, never the token.
 */
export function createGiteaStatusPort(options: GiteaStatusPortOptions): CommitStatusPort {
  const base = giteaApiBase(options.apiUrl);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async postStatus(status: CommitStatus): Promise<void> {
      const url = `${base}/repos/${encodeURIComponent(status.repository.owner)}/${encodeURIComponent(status.repository.name)}/statuses/${status.sha}`;
      const body = JSON.stringify({
        state: status.state, context: status.context, description: status.description,
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      });
      const what = `post commit status ${status.context} (${status.state}) on ${status.sha.slice(0, 12)}`;
      for (let attempt = 1; ; attempt++) {
        let response: Response;
        try {
          response = await doFetch(url, {
            method: 'POST', body, signal: AbortSignal.timeout(timeoutMs),
            headers: {
              authorization: `token ${options.token}`, accept: 'application/json',
              'content-type': 'application/json', 'user-agent': 'ferry-agent',
            },
          });
        } catch (error) {
          if (attempt < 2) continue;
          throw new FerryError('status.network', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        if (response.ok) {
          await response.body?.cancel();
          return;
        }
        const text = await readStart(response);
        if (response.status >= 500 && attempt < 2) continue;
        // Gitea's JSON error names the problem in `message` (beside `url`, its API docs).
        const said = (() => {
          try {
            const message = (JSON.parse(text) as { message?: unknown }).message;
            return typeof message === 'string' ? message : text;
          } catch {
            return text;
          }
        })();
        const excerpt = excerptResponseBody(said);
        const hint = response.status === 401 || response.status === 403 || response.status === 404
          ? 'the status token needs the write:repository scope on the config repository (a Gitea access token of a user who may write it)'
          : undefined;
        throw new FerryError(response.status === 401 || response.status === 403 ? 'status.auth' : 'status.failed', `${what}: ${describeStatusLine(response.status, response.statusText)}${excerpt ? `: ${excerpt}` : ''}`, hint ? { hint } : {});
      }
    },
  };
}

/** The first 16 KiB of an error body (all an excerpt looks at); the rest is not downloaded. */
async function readStart(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 16 * 1024) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A cut connection leaves what arrived; the status line still says what happened.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}
