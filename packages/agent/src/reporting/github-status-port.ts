import { FerryError } from '@ferry/manifest-model';
import { describeStatusLine, excerptResponseBody } from '@ferry/git-http';
import type { CommitStatus, CommitStatusPort } from './commit-status.js';

export interface GitHubStatusPortOptions {
  /** REST base: https://api.github.com (default) or https://HOST/api/v3 for GitHub Enterprise. */
  apiUrl?: string | undefined;
  /**
   * A token that may create commit statuses and nothing more: a fine-grained PAT or GitHub App
   * installation token with "Commit statuses: write" on the config repository.
   */
  token: string;
  /** Per request; a slow API never holds up the reconcile loop for long. Default 10 s. */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch;
}

/**
 * `POST /repos/{owner}/{repo}/statuses/{sha}` over plain fetch: one endpoint does not justify a
 * client library in the agent. One retry on a 5xx or a cut connection; other failures are
 * reported to the caller (the reporter logs them and the next reconcile tries again).
 */
export function createGitHubStatusPort(options: GitHubStatusPortOptions): CommitStatusPort {
  const base = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
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
              authorization: `Bearer ${options.token}`, accept: 'application/vnd.github+json',
              'content-type': 'application/json', 'user-agent': 'ferry-agent', 'x-github-api-version': '2022-11-28',
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
        // GitHub's JSON error names the problem in `message`; anything else is an excerpt at most.
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
          ? 'the status token needs "Commit statuses: write" on the config repository (and nothing more)'
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
