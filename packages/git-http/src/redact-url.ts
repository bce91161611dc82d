/**
 * A repository URL as it may appear in a message: scheme, host and path only. Credentials
 * (`user:pass@`), the query and the fragment are dropped, since any of them can carry a token; a
 * string that does not parse as a URL with a host (`user:secret@host:path` reads as scheme `user:`)
 * is not echoed at all.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.host === '' && parsed.protocol !== 'file:') return '(url)';
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(url)';
  }
}
