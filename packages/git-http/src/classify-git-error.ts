import { FerryError } from '@ferry/manifest-model';
import { GitStalledError } from './git-http-client.js';

/**
 * What went wrong in a remote git operation, read from isomorphic-git's errors (and this package's
 * own). Each side turns it into its FerryError codes in one switch (the compiler checks every kind
 * is handled); the texts here are raw, and each side excerpts what it shows.
 */
export type GitFailure =
  /** Already translated (ours, or a wrapper's): pass it on unchanged. */
  | { kind: 'ferry'; error: FerryError }
  /** The server answered with an HTTP error status. */
  | { kind: 'http-status'; status: number; statusMessage: string | undefined; response: string | undefined; message: string }
  /** The server answered, but not with the git smart-HTTP protocol (a login page, a proxy). */
  | { kind: 'not-smart-http'; preview: string; response: string; message: string }
  /** The server refused a ref update. */
  | { kind: 'push-rejected'; message: string }
  /** A ref, object or path that is not there (isomorphic-git's NotFoundError; `what` names it). */
  | { kind: 'not-found'; what: string | undefined; message: string }
  /** The server sent nothing for `idleMs` (GitStalledError). */
  | { kind: 'stalled'; url: string; idleMs: number; message: string }
  /** A mistake in the request that a retry cannot fix. */
  | { kind: 'permanent'; message: string }
  /** Cut connections, resets, truncated packs: they surface under many names; all are worth a retry. */
  | { kind: 'transport'; message: string };

/** isomorphic-git errors that a retry cannot fix. */
const permanentCodes = new Set(['NoRefspecError', 'InvalidRefNameError', 'InvalidFilepathError', 'MissingParameterError', 'UnknownTransportError', 'UrlParseError', 'RemoteCapabilityError']);

export function classifyGitError(error: unknown): GitFailure {
  if (error instanceof FerryError) return { kind: 'ferry', error };
  if (error instanceof GitStalledError) return { kind: 'stalled', url: error.url, idleMs: error.idleMs, message: error.message };
  const e = error as { code?: string; message?: string; data?: Record<string, unknown> } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const data = e?.data ?? {};
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  switch (e?.code) {
    case 'HttpError':
      return { kind: 'http-status', status: typeof data.statusCode === 'number' ? data.statusCode : 0, statusMessage: text(data.statusMessage), response: text(data.response), message };
    case 'SmartHttpError':
      return { kind: 'not-smart-http', preview: text(data.preview) ?? '', response: text(data.response) ?? '', message };
    case 'GitPushError':
    case 'PushRejectedError':
      return { kind: 'push-rejected', message };
    case 'NotFoundError':
      return { kind: 'not-found', what: text(data.what), message };
  }
  if (e?.code && permanentCodes.has(e.code)) return { kind: 'permanent', message };
  return { kind: 'transport', message };
}
