/**
 * What of a failed HTTP response may reach an error, a log line or a Sync's status: the status line
 * and at most a short, single-line, redacted excerpt of the body. A Sync's URL is chosen by whoever
 * may create Syncs; without this, any endpoint the agent can reach (an internal service, a cloud
 * metadata server) could be read back through the Sync's status.
 */
import { redactSecrets } from '@ferry/manifest-model';

/** Longest excerpt of a response body, in characters. */
export const maxExcerptChars = 200;
/** Only the start of a body is looked at (a body may be megabytes). */
const maxScannedChars = 16 * 1024;

/**
 * `HTTP 500 Internal Server Error`, with the reason phrase cleaned like a body (the server chooses
 * it) and cut to 40 characters.
 */
export function describeStatusLine(status: number, statusText?: string): string {
  const reason = statusText ? excerptResponseBody(statusText, 40) : '';
  return reason ? `HTTP ${status} ${reason}` : `HTTP ${status}`;
}

/**
 * The first `max` characters of `body` as one line: HTML tags dropped, control characters and line
 * breaks turned into spaces, credentials (`redactSecrets` plus `password=...`-style pairs, AWS keys,
 * long opaque tokens), IP addresses and internal host names replaced by `***`, then cut with `…`.
 * Redaction runs before the cut, so a secret is never cut in half and shown in part.
 */
export function excerptResponseBody(body: string, max = maxExcerptChars): string {
  const flat = body
    .slice(0, maxScannedChars)
    .replace(/<[^>]{0,500}>/g, ' ')
    // C0/C1 controls, line and paragraph separators, bidi overrides and isolates, zero-width marks.
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]+/g, ' ');
  const redacted = redactResponseText(flat).replace(/\s+/g, ' ').trim();
  if (redacted.length <= max) return redacted;
  return `${redacted.slice(0, max - 1).trimEnd()}…`;
}

function redactResponseText(text: string): string {
  return redactSecrets(text)
    // "password": "x", password=x, api_key: x, client-secret=x, Set-Cookie: x ...
    .replace(/\b((?:[a-z0-9]+[_-])*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|session|cookie|auth)(?:[_-][a-z0-9]+)*"?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/gi, '$1***')
    .replace(/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, '***')
    // Long opaque strings with letters and digits: keys, tokens, session ids.
    .replace(/[A-Za-z0-9+/_=-]{32,}/g, (run) => (/[0-9]/.test(run) && /[A-Za-z]/.test(run) ? '***' : run))
    // IPv4 (with an optional port) and bracketed or bare IPv6 addresses.
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '***')
    .replace(/\[[0-9a-f:.]*:[0-9a-f:.]*\](?::\d+)?/gi, '***')
    .replace(/\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}\b/gi, '***')
    // Host names: any of three or more labels (db.prod.example.com), and internal-looking ones.
    .replace(/\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){2,}[a-z][a-z0-9-]*[a-z0-9](?::\d+)?\b/gi, '***')
    .replace(/\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:internal|local|localdomain|lan|corp|intranet|intra|svc|private|home)(?::\d+)?\b/gi, '***')
    .replace(/\blocalhost(?::\d+)?\b/gi, '***');
}
