import { readFile } from 'node:fs/promises';
import { FerryError } from '@ferry/manifest-model';
import { connectGitHub, type GitHubAuth, type PullRequestHost } from '@ferry/promoter';
import { UsageError, type CliIo } from '../command.js';

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

/**
 * Credentials from the environment (read here, once) and, when `useApi`, a connection to the
 * GitHub API; the git credentials fall back to the GitHub token or App installation token.
 * Shared by `promote`, `status` and `rollback`.
 */
export async function connectRepo(target: RepoTarget, env: CliIo['env'], progress: (m: string) => void, useApi = target.onGitHub): Promise<ConnectedRepo> {
  const githubAuth = await readGitHubAuth(env);
  let gitAuth = readGitAuth(env);
  let host: PullRequestHost | undefined;
  if (githubAuth && useApi) {
    progress(`connecting to ${target.apiUrl}`);
    const connection = await connectGitHub({ owner: target.owner, repo: target.name, auth: githubAuth, apiUrl: target.apiUrl });
    host = connection.host;
    gitAuth ??= await connection.gitAuth();
  } else if (githubAuth?.kind === 'token') {
    gitAuth ??= { username: 'x-access-token', password: githubAuth.token };
  }
  const apiToken = target.onGitHub && githubAuth ? (githubAuth.kind === 'token' ? githubAuth.token : gitAuth?.password) : undefined;
  return { ...target, host, gitAuth, apiToken };
}

export interface RepoTarget { owner: string; name: string; gitUrl: string; apiUrl: string; onGitHub: boolean }

/** OWNER/NAME means GitHub (or the Enterprise host of --github-api-url); a URL is any git server. */
export function resolveRepo(repo: string, apiUrl: string | undefined): RepoTarget {
  const api = (apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const short = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (short) {
    const webOrigin = apiUrl ? new URL(api).origin : 'https://github.com';
    return { owner: short[1]!, name: short[2]!.replace(/\.git$/, ''), gitUrl: `${webOrigin}/${short[1]}/${short[2]!.replace(/\.git$/, '')}.git`, apiUrl: api, onGitHub: true };
  }
  let url: URL;
  try {
    url = new URL(repo);
  } catch {
    throw new UsageError(`promote: --repo "${repo}" is neither OWNER/NAME nor a URL`);
  }
  if (url.username || url.password) {
    throw new UsageError('promote: --repo must not carry credentials', 'pass them in FERRY_GIT_USERNAME / FERRY_GIT_PASSWORD or a GitHub token variable');
  }
  const parts = url.pathname.replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length < 2) throw new UsageError(`promote: --repo ${repo} has no OWNER/NAME path`);
  return { owner: parts[parts.length - 2]!, name: parts[parts.length - 1]!, gitUrl: url.toString(), apiUrl: api, onGitHub: url.hostname === 'github.com' || apiUrl !== undefined };
}

export async function readGitHubAuth(env: CliIo['env']): Promise<GitHubAuth | undefined> {
  const appId = env['FERRY_GITHUB_APP_ID'];
  const key = env['FERRY_GITHUB_APP_PRIVATE_KEY'];
  if (appId && key) {
    const privateKey = key.includes('-----BEGIN') ? key : await readFile(key, 'utf8').catch(() => {
      throw new FerryError('input.missing-auth', 'FERRY_GITHUB_APP_PRIVATE_KEY is neither a PEM key nor a readable file', { hint: 'set it to the key text or its path' });
    });
    return { kind: 'app', appId, privateKey };
  }
  const token = env['FERRY_GITHUB_TOKEN'] || env['GITHUB_TOKEN'];
  return token ? { kind: 'token', token } : undefined;
}

export function readGitAuth(env: CliIo['env']): { username: string; password: string } | undefined {
  const password = env['FERRY_GIT_PASSWORD'];
  return password ? { username: env['FERRY_GIT_USERNAME'] ?? 'git', password } : undefined;
}

