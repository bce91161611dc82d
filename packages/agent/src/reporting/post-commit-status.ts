import { FerryError } from '@ferry/manifest-model';
import { describeStatusLine, excerptResponseBody } from '@ferry/git-http';
import type { CommitStatus, CommitStatusPort } from './commit-status.js';

/** What differs between forges that take `POST {api}/repos/{owner}/{repo}/statuses/{sha}`. */
export interface StatusEndpoint {
  /** The REST base, without a trailing slash. */
  apiBase: string;
  /** Every header but the credentials. */
  headers: Record<string, string>;
  /**
   * The Authorization header value, asked for on every request: a token file re-read, or an
   * installation token minted again before it expires. `refused` is called with the value after a
   * 401, so a cached token is not sent again.
   */
  authorization: () => Promise<string>;
  refused?: ((authorization: string) => void) | undefined;
  /** Said on 401, 403 and 404: which permission the token lacks. */
  permissionHint: string;
  /** Per request; a slow API never holds up the reconcile loop for long. Default 10 s. */
  timeoutMs?: number | undefined;
  fetch?: typeof fetch;
}

/**
 * One commit status over plain fetch (GitHub and Gitea share the endpoint's shape and body): one
 * endpoint does not justify a client library in the agent. One retry on a 5xx or a cut connection;
 * other failures go to the caller as the status line and a short excerpt of the forge's `message`,
 * never the token (the reporter logs them and the next reconcile tries again).
 */
export function createStatusPort(endpoint: StatusEndpoint): CommitStatusPort {
  const doFetch = endpoint.fetch ?? fetch;
  const timeoutMs = endpoint.timeoutMs ?? 10_000;
  return {
    async postStatus(status: CommitStatus): Promise<void> {
      const url = `${endpoint.apiBase}/repos/${encodeURIComponent(status.repository.owner)}/${encodeURIComponent(status.repository.name)}/statuses/${status.sha}`;
      const body = JSON.stringify({
        state: status.state, context: status.context, description: status.description,
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      });
      const what = `post commit status ${status.context} (${status.state}) on ${status.sha.slice(0, 12)}`;
      for (let attempt = 1; ; attempt++) {
        let response: Response;
        const authorization = await endpoint.authorization();
        try {
          response = await doFetch(url, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs), headers: { ...endpoint.headers, authorization } });
        } catch (error) {
          if (attempt < 2) continue;
          throw new FerryError('status.network', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        if (response.ok) {
          await response.body?.cancel();
          return;
        }
        const text = await readStart(response);
        if (response.status === 401) endpoint.refused?.(authorization);
        if (response.status >= 500 && attempt < 2) continue;
        const excerpt = excerptResponseBody(messageOf(text));
        const hint = response.status === 401 || response.status === 403 || response.status === 404 ? endpoint.permissionHint : undefined;
        throw new FerryError(response.status === 401 || response.status === 403 ? 'status.auth' : 'status.failed', `${what}: ${describeStatusLine(response.status, response.statusText)}${excerpt ? `: ${excerpt}` : ''}`, hint ? { hint } : {});
      }
    },
  };
}

/** Both forges name the problem in a JSON `message`; anything else is an excerpt at most. */
function messageOf(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
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
