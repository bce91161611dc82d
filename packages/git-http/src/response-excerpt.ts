/**
 * What of a failed HTTP answer may reach an error, a log line, CI output or a Sync's status: one
 * line, cut short, control and line-breaking characters gone, credentials redacted. A proxy's or an
 * internal endpoint's error page is never echoed whole (the full answer stays on the error's
 * `cause`, which is never printed). Redaction runs before the cut, so a secret is never cut in
 * half and shown in part.
 */
import { redactSecrets } from '@ferry/manifest-model';

/** At most this many characters of a failed response reach a message. */
export const EXCERPT_MAX = 200;
/** Only the start of a body is looked at (a body may be megabytes). */
const maxScannedChars = 16 * 1024;

// C0/C1 controls, line and paragraph separators, bidi overrides and isolates, zero-width marks.
const unprintable = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]+/g;

/**
 * For text a git or GitHub server sends about our own request (an `ng` reason, an `ERR` packet,
 * an API message): credentials and secret-looking query parameters redacted, host names and object
 * ids kept, since they are what the reader needs.
 */
export function excerptResponse(text: string, max = EXCERPT_MAX): string {
  const line = redactSecrets(String(text).slice(0, maxScannedChars))
    .replace(/([?&;](?:access_token|token|password|passwd|secret|key|sig|signature|code|auth)=)[^&\s#"'<>]*/gi, '$1***')
    .replace(unprintable, ' ');
  return cut(line, max);
}

/**
 * For the body of an answer from a URL someone else chose (a Sync's): also HTML tags dropped and
 * IP addresses, internal host names and long opaque tokens replaced by `***`, so the answer of an
 * internal service or a cloud metadata server cannot be read back through an error.
 */
export function excerptResponseBody(body: string, max = EXCERPT_MAX): string {
  const flat = body.slice(0, maxScannedChars).replace(/<[^>]{0,500}>/g, ' ').replace(unprintable, ' ');
  return cut(redactResponseText(flat), max);
}

/**
 * `HTTP 500 Internal Server Error`, with the reason phrase cleaned like a body (the server chooses
 * it) and cut to 40 characters.
 */
export function describeStatusLine(status: number, statusText?: string): string {
  const reason = statusText ? excerptResponseBody(statusText, 40) : '';
  return reason ? `HTTP ${status} ${reason}` : `HTTP ${status}`;
}

function cut(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
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
