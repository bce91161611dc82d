import { connectGitHub, type PullRequestHost } from '@ferry/promoter';
import type { CliIo } from '../command.js';
import { readGitAuth, readGitHubAuth, resolveRepo } from './promote.js';

export interface ConnectedRepo {
  owner: string;
  name: string;
  gitUrl: string;
  apiUrl: string;
  onGitHub: boolean;
  host?: PullRequestHost | undefined;
  gitAuth?: { username: string; password: string } | undefined;
  /** A token for the GitHub REST API (PAT or installation token), when on GitHub. */
  apiToken?: string | undefined;
}

/** The same --repo, --github-api-url and credential rules as `ferry promote`. */
export async function connectRepo(repo: string, apiUrl: string | undefined, env: CliIo['env'], progress: (m: string) => void): Promise<ConnectedRepo> {
  const target = resolveRepo(repo, apiUrl);
  const githubAuth = await readGitHubAuth(env);
  let gitAuth = readGitAuth(env);
  let host: PullRequestHost | undefined;
  if (githubAuth && target.onGitHub) {
    progress(`connecting to ${target.apiUrl}`);
    const connection = await connectGitHub({ owner: target.owner, repo: target.name, auth: githubAuth, apiUrl: target.apiUrl });
    host = connection.host;
    gitAuth ??= await connection.gitAuth();
  } else if (githubAuth?.kind === 'token') {
    gitAuth ??= { username: 'x-access-token', password: githubAuth.token };
  }
  const apiToken = target.onGitHub && githubAuth ? (githubAuth.kind === 'token' ? githubAuth.token : gitAuth?.password) : undefined;
  return { owner: target.owner, name: target.name, gitUrl: target.gitUrl, apiUrl: target.apiUrl, onGitHub: target.onGitHub, host, gitAuth, apiToken };
}
