import { FerryError } from '@ferry/manifest-model';
import type { GitCredentials, GitSource } from '../ports.js';
import { hostOfUrl, type GitHost } from '../sync/git-credentials-policy.js';
import type { TokenSource } from './token-source.js';

export interface AgentGitCredentialsOptions {
  /** Installation tokens (GitHubAppTokens), asked for at every fetch. */
  tokens: TokenSource;
  /** `host:port`s the token is sent to (`--github-app-git-hosts`, default github.com:443). */
  hosts: readonly GitHost[];
}

/**
 * Sends the agent's GitHub App installation token with the fetches of Syncs that name no
 * spec.secretRef and whose spec.url is on one of `hosts`, as github.com's git expects it (user
 * `x-access-token`, the token as password). The token is asked for on every call, so a refreshed
 * one is used as soon as it exists; a refusal (source.auth) drops it so the next call mints anew.
 * Every request, redirects included, may only go to `hosts` (the git source checks it).
 */
export function withAgentGitCredentials(source: GitSource, options: AgentGitCredentialsOptions): GitSource {
  const credentialsFor = async (url: string, given: GitCredentials | undefined): Promise<GitCredentials | undefined> => {
    if (given) return given;
    const host = hostOfUrl(url);
    // A URL whose host parsers read differently (backslash, white space) never gets the token.
    if (!host || !options.hosts.includes(host) || /[\\\s]/.test(url)) return undefined;
    return { username: 'x-access-token', password: await options.tokens.token(), hosts: options.hosts };
  };
  const refusedWith = (credentials: GitCredentials | undefined, given: GitCredentials | undefined, error: unknown): never => {
    if (!given && credentials?.password && error instanceof FerryError && error.code === 'source.auth') options.tokens.refused?.(credentials.password);
    throw error;
  };
  return {
    async resolveRemote(url, ref, given, freshness) {
      const credentials = await credentialsFor(url, given);
      return source.resolveRemote(url, ref, credentials, freshness).catch((error: unknown) => refusedWith(credentials, given, error));
    },
    async fetchCommit(url, ref, commit, given, freshness) {
      const credentials = await credentialsFor(url, given);
      return source.fetchCommit(url, ref, commit, credentials, freshness).catch((error: unknown) => refusedWith(credentials, given, error));
    },
    readFiles: (url, commit, path, accept) => source.readFiles(url, commit, path, accept),
    readCommit: (url, commit) => source.readCommit(url, commit),
  };
}
