import type { GitHost } from './git-credentials-policy.js';

/** Credentials for the git server, from the Sync's Secret. Never logged: they only become a header. */
export interface GitCredentials {
  username?: string;
  password?: string;
  bearerToken?: string;
  /**
   * The only `host:port`s these credentials may be sent to (the Secret's `ferry.dev/git-hosts`).
   * Checked again on every request, with the parser the HTTP client uses. Unset in flag mode, where
   * the operator supplies both the URL and the credentials.
   */
  hosts?: readonly GitHost[];
}
