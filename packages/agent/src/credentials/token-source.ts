/**
 * A credential asked for at the moment of use, never captured once at start: a token file that a
 * Secret mount may rotate, or a GitHub App installation token refreshed before it expires.
 */
export interface TokenSource {
  token(): Promise<string>;
  /** The server refused `token` (401): do not hand it out again. */
  refused?(token: string): void;
}

/** A fixed token (from the environment) as a TokenSource; a TokenSource as it is. */
export function tokenSourceOf(token: string | TokenSource): TokenSource {
  return typeof token === 'string' ? { token: async () => token } : token;
}
