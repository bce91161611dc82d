/** Credentials for a git server: a bearer token, or Basic (a GitHub token goes as password). */
export interface GitHttpCredentials {
  username?: string | undefined;
  password?: string | undefined;
  bearerToken?: string | undefined;
}

/**
 * The Authorization header for `credentials`, sent up front on every request: isomorphic-git's
 * onAuth costs a 401 round trip each time. Empty without credentials.
 */
export function gitAuthHeaders(credentials?: GitHttpCredentials): Record<string, string> {
  if (credentials?.bearerToken) return { authorization: `Bearer ${credentials.bearerToken}` };
  if (credentials?.username !== undefined || credentials?.password !== undefined) {
    return { authorization: `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}` };
  }
  return {};
}
