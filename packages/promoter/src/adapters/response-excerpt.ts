import { redactSecrets } from '@ferry/manifest-model';

/** At most this many characters of a failed response's body reach an error message. */
export const EXCERPT_MAX = 200;

/**
 * What a failed HTTP answer may put into Ferry's output: one line, at most EXCERPT_MAX characters,
 * control and line-breaking characters gone, credentials and secret-looking query parameters
 * redacted. A proxy's or an internal endpoint's error page is not echoed whole into CI logs,
 * errors or JSON (the full answer stays on the error's `cause`, which is never printed).
 */
export function excerptResponse(text: string, max = EXCERPT_MAX): string {
  const line = redactSecrets(String(text))
    .replace(/([?&;](?:access_token|token|password|passwd|secret|key|sig|signature|code|auth)=)[^&\s#"'<>]*/gi, '$1***')
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}
