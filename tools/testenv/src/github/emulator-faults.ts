// Switchable faults: each arms the next `n` requests, which then get GitHub's answer for that
// condition instead of the normal one (or a cut connection).
import { errorBody } from './payloads.js';

export type FaultKind = 'secondary-rate-limit' | 'primary-rate-limit' | 'server-error' | 'connection-cut';

export interface GitHubEmulatorFaults {
  /** The next `n` requests get GitHub's secondary rate limit answer: 403 (or 429) with `retry-after`. */
  secondaryRateLimit(n: number, options?: { retryAfterSeconds?: number; status?: 403 | 429 }): void;
  /** The next `n` requests find the primary rate limit used up: 403, `x-ratelimit-remaining: 0`, reset soon. */
  primaryRateLimit(n: number, options?: { resetInSeconds?: number }): void;
  /** The next `n` requests get a 5xx answer. */
  serverError(n: number, status?: number): void;
  /** The next `n` requests have their connection closed without any answer. */
  cutConnection(n: number): void;
  /**
   * The next `n` reports of an open pull request's mergeability (REST `mergeable`/`mergeable_state`,
   * GraphQL `mergeable`/`mergeStateStatus`) say "not computed yet" - null/`unknown` - as GitHub does
   * right after a create or a push while it computes in the background. Merges are not affected.
   */
  mergeabilityUnknown(n: number): void;
  /** Switches every pending fault off. */
  clear(): void;
}

export interface FaultAnswer {
  kind: FaultKind;
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export class FaultSwitch implements GitHubEmulatorFaults {
  private secondary = { n: 0, retryAfter: 60, status: 403 };
  private primary = { n: 0, resetIn: 60 };
  private server = { n: 0, status: 502 };
  private cuts = 0;
  private unknownMergeability = 0;

  secondaryRateLimit(n: number, o: { retryAfterSeconds?: number; status?: 403 | 429 } = {}): void {
    this.secondary = { n, retryAfter: o.retryAfterSeconds ?? 60, status: o.status ?? 403 };
  }

  primaryRateLimit(n: number, o: { resetInSeconds?: number } = {}): void {
    this.primary = { n, resetIn: o.resetInSeconds ?? 60 };
  }

  serverError(n: number, status = 502): void {
    this.server = { n, status };
  }

  cutConnection(n: number): void {
    this.cuts = n;
  }

  mergeabilityUnknown(n: number): void {
    this.unknownMergeability = n;
  }

  /** Consumes one armed "mergeability not computed yet" report, if any. */
  takeUnknownMergeability(): boolean {
    if (this.unknownMergeability <= 0) return false;
    this.unknownMergeability -= 1;
    return true;
  }

  clear(): void {
    this.unknownMergeability = 0;
    this.secondary.n = 0;
    this.primary.n = 0;
    this.server.n = 0;
    this.cuts = 0;
  }

  /** Consumes one armed fault for a request, if any; `userId` goes into GitHub's message. */
  take(requestId: string, userId: number | null): FaultAnswer | null {
    if (this.cuts > 0) {
      this.cuts -= 1;
      return { kind: 'connection-cut', status: 0, headers: {}, body: {} };
    }
    if (this.secondary.n > 0) {
      this.secondary.n -= 1;
      const s = this.secondary.status;
      return {
        kind: 'secondary-rate-limit',
        status: s,
        headers: { 'retry-after': String(this.secondary.retryAfter) },
        body: errorBody(s, `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
          'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'),
      };
    }
    if (this.primary.n > 0) {
      this.primary.n -= 1;
      const who = userId === null ? `IP ${'127.0.0.1'}` : `user ID ${userId}`;
      return {
        kind: 'primary-rate-limit',
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + this.primary.resetIn) },
        body: errorBody(403, `API rate limit exceeded for ${who}.`, 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits'),
      };
    }
    if (this.server.n > 0) {
      this.server.n -= 1;
      return { kind: 'server-error', status: this.server.status, headers: {}, body: { message: 'Server Error' } };
    }
    return null;
  }
}
