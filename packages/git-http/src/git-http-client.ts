import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';

export interface GitHttpClientOptions {
  /**
   * Longest wait for the server to answer or to send the next bytes of a response. Without it a
   * server that accepts the connection and then stalls holds the caller forever. Default 60 s.
   */
  idleTimeoutMs?: number;
  /** The transport underneath (tests); default isomorphic-git's Node client. */
  transport?: HttpClient;
}

/** A request the server left without an answer (or without the next bytes of one) for `idleMs`. */
export class GitStalledError extends Error {
  readonly code = 'GitStalledError';

  constructor(readonly url: string, readonly idleMs: number) {
    super(`the git server sent nothing for ${formatSeconds(idleMs)}`);
    this.name = 'GitStalledError';
  }
}

const defaultIdleTimeoutMs = 60_000;

/**
 * isomorphic-git's HTTP client with keep-alive agents of its own and an idle timeout. Node's global
 * agent closes any socket idle for 5 s, so a server that needs 6 s to start a big pack failed every
 * try ("Request timed out"). The idle timeout covers the wait for the response headers and every
 * gap between two chunks of the body; on expiry the socket is destroyed (a stalled server costs
 * nothing more) and the request fails with GitStalledError.
 */
export function createGitHttpClient(options: GitHttpClientOptions = {}): HttpClient {
  const idleMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
  const inner = options.transport ?? nodeHttp;
  // Keep-alive as the global agent does (a fetch is several requests); idle pooled sockets are unref'd.
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const agent = request.agent ?? (request.url.startsWith('https:') ? agents.https : agents.http);
      const abort = new AbortController();
      const signal = request.signal ? AbortSignal.any([request.signal, abort.signal]) : abort.signal;
      const withDeadline = async <T>(work: Promise<T>): Promise<T> => {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            abort.abort();
            reject(new GitStalledError(request.url, idleMs));
          }, idleMs);
        });
        try {
          return await Promise.race([work, expired]);
        } finally {
          clearTimeout(timer);
        }
      };
      const response = await withDeadline(inner.request({ ...request, agent, signal }));
      const body = response.body;
      if (!body) return response;
      async function* guarded(): AsyncIterableIterator<Uint8Array> {
        const iterator = (body as AsyncIterableIterator<Uint8Array>)[Symbol.asyncIterator]();
        for (;;) {
          const next = await withDeadline(iterator.next());
          if (next.done) return;
          yield next.value;
        }
      }
      return { ...response, body: guarded() };
    },
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
