import { readFile } from 'node:fs/promises';
import { FerryError, parseFerryConfig } from '@ferry/manifest-model';
import { connectGitHub, connectGiteaHost, createGiteaStatusReader, createGitHubStatusReader, giteaApiBase, openGitWorkspace, type CommitStatusReader, type GitHubAuth, type PullRequestHost } from '@ferry/promoter';
import { UsageError, type CliIo } from '../command.js';

export interface ConnectedRepo extends RepoTarget {
  host?: PullRequestHost | undefined;
  gitAuth?: { username: string; password: string } | undefined;
  /** A token for the forge's API (GitHub: PAT or installation token; Gitea: FERRY_GITEA_TOKEN). */
  apiToken?: string | undefined;
  /** GitHub App: git credentials asked per use, the installation token renewed before it expires. */
  renewingAuth?: (() => Promise<{ username: string; password: string }>) | undefined;
}

/** Where the agents' commit statuses are read (`--wait-live`, gates, `ferry status`); none without a token. */
export function statusReaderFor(repo: RepoTarget & { apiToken?: string | undefined }, token: string | (() => Promise<string>) | undefined = repo.apiToken): CommitStatusReader | undefined {
  if (!token) return undefined;
  return repo.forge === 'gitea' && typeof token === 'string'
    ? createGiteaStatusReader({ owner: repo.owner, repo: repo.name, apiUrl: repo.apiUrl, token })
    : createGitHubStatusReader({ owner: repo.owner, repo: repo.name, apiUrl: repo.apiUrl, token });
}

/**
 * Credentials from the environment (read here, once) and, when `useApi`, a connection to the
 * GitHub API; the git credentials fall back to the GitHub token or App installation token.
 * Shared by `promote`, `status` and `rollback`.
 */
export async function connectRepo(target: RepoTarget, env: CliIo['env'], progress: (m: string) => void, useApi = target.onGitHub || target.forge === 'gitea'): Promise<ConnectedRepo> {
  if (target.forge === 'gitea') return connectGitea(target, env, progress, useApi);
  if (useApi && !target.named) throw needsGitHubRepo(target.gitUrl, 'pull requests and commit statuses need the GitHub API');
  const githubAuth = await readGitHubAuth(env);
  let gitAuth = readGitAuth(env);
  let host: PullRequestHost | undefined;
  let renewingAuth: ConnectedRepo['renewingAuth'];
  if (githubAuth && useApi) {
    progress(`connecting to ${target.apiUrl}`);
    const connection = await connectGitHub({ owner: target.owner, repo: target.name, auth: githubAuth, apiUrl: target.apiUrl });
    host = connection.host;
    if (githubAuth.kind === 'app' && !gitAuth) renewingAuth = connection.gitAuth;
    gitAuth ??= await connection.gitAuth();
  } else if (githubAuth?.kind === 'token') {
    gitAuth ??= { username: 'x-access-token', password: githubAuth.token };
  }
  const apiToken = target.onGitHub && githubAuth ? (githubAuth.kind === 'token' ? githubAuth.token : gitAuth?.password) : undefined;
  return { ...target, host, gitAuth, apiToken, renewingAuth };
}

/** Gitea (or Forgejo): a token from FERRY_GITEA_TOKEN; git over HTTP with the same token. */
async function connectGitea(target: RepoTarget, env: CliIo['env'], progress: (m: string) => void, useApi: boolean): Promise<ConnectedRepo> {
  const token = env['FERRY_GITEA_TOKEN'];
  let gitAuth = readGitAuth(env);
  let host: PullRequestHost | undefined;
  if (token && useApi) {
    progress(`connecting to ${target.apiUrl}`);
    const connection = connectGiteaHost({ owner: target.owner, repo: target.name, token, apiUrl: target.apiUrl });
    host = connection.host;
    gitAuth ??= await connection.gitAuth();
  }
  return { ...target, host, gitAuth, apiToken: token || undefined };
}

export type Forge = 'github' | 'gitea';

/** `--forge github|gitea` (default github). */
export function parseForge(value: string | undefined): Forge {
  return parseForgeFlag(value) ?? 'github';
}

/** `--forge github|gitea`, undefined when not given (ferry.yaml may name the forge). */
export function parseForgeFlag(value: string | undefined): Forge | undefined {
  if (value === undefined || value === 'github' || value === 'gitea') return value;
  throw new UsageError(`--forge must be github or gitea, not "${value}"`, 'Forgejo speaks Gitea\'s API: use --forge gitea');
}

export interface TargetFlags {
  repo: string;
  /** --forge, undefined when not given. */
  forge?: Forge | undefined;
  /** --api-url. */
  apiUrl?: string | undefined;
  githubApiUrl?: string | undefined;
  githubRepo?: string | undefined;
}

/**
 * The repository target of the flags and, when they leave the forge open, of ferry.yaml: `--forge`
 * beats ferry.yaml's `forge:` and `--api-url` its `apiUrl:`. The file is read (from the default
 * branch) only when nothing on the command line names the forge: no --forge, --github-api-url or
 * --github-repo, and --repo a git URL off github.com with OWNER/NAME in its path. Otherwise no extra
 * fetch is made (OWNER/NAME is GitHub, as before). A failed read fails the command (exit 5): falling
 * back to plain git would push straight to a branch the file says takes pull requests.
 * `progress` says when the file chose the forge.
 */
export async function resolveTarget(flags: TargetFlags, env: CliIo['env'], progress: (m: string) => void = () => {}): Promise<RepoTarget> {
  if (flags.forge !== undefined) return resolveForgeRepo({ ...flags, forge: flags.forge });
  const github = resolveForgeRepo({ ...flags, forge: 'github' });
  if (flags.githubApiUrl !== undefined || flags.githubRepo !== undefined) return github;
  // OWNER/NAME and github.com URLs are GitHub's, whatever --api-url says; a one-segment URL names
  // no OWNER/NAME, which Gitea needs.
  const plain = resolveForgeRepo({ ...flags, apiUrl: undefined, forge: 'github' });
  if (plain.onGitHub || !plain.named) return github;
  const named = await readForgeConfig(plain.gitUrl, peekAuth(env));
  if (named.forge === undefined) return github;
  const apiUrl = flags.apiUrl ?? named.apiUrl;
  progress(`ferry.yaml: forge ${named.forge}${apiUrl ? `, API ${apiUrl}` : ''}`);
  return resolveForgeRepo({ ...flags, forge: named.forge, apiUrl });
}

/**
 * `forge:` and `apiUrl:` from ferry.yaml on the default branch; nothing when the repository is
 * empty or has no ferry.yaml. An invalid ferry.yaml names no forge here: the command reads it again
 * and reports it with its line numbers.
 */
async function readForgeConfig(gitUrl: string, auth: { username: string; password: string } | undefined): Promise<{ forge?: Forge | undefined; apiUrl?: string | undefined }> {
  const workspace = await openGitWorkspace({ url: gitUrl, auth });
  try {
    const head = await workspace.fetchDefaultBranch();
    if (!head) return {};
    const text = (await workspace.readFiles(head.head, ['ferry.yaml'])).get('ferry.yaml');
    if (text == null) return {};
    try {
      const config = parseFerryConfig(text);
      return { forge: config.forge, apiUrl: config.apiUrl };
    } catch {
      return {};
    }
  } finally {
    await workspace.close();
  }
}

/**
 * Git credentials to read ferry.yaml before the forge is known: FERRY_GIT_PASSWORD, else the Gitea
 * token (Gitea takes a token as the password whatever the user name), else a GitHub token.
 */
function peekAuth(env: CliIo['env']): { username: string; password: string } | undefined {
  const giteaToken = env['FERRY_GITEA_TOKEN'];
  const githubToken = env['FERRY_GITHUB_TOKEN'] || env['GITHUB_TOKEN'];
  return readGitAuth(env) ?? (giteaToken ? { username: 'ferry', password: giteaToken } : githubToken ? { username: 'x-access-token', password: githubToken } : undefined);
}

/**
 * The repository target of --repo for a forge. GitHub: resolveRepo. Gitea: --repo is the git URL
 * (https://gitea.example.com/OWNER/NAME.git; the API is at the same place + /api/v1 unless --api-url
 * says otherwise) or OWNER/NAME with --api-url (Gitea's base URL).
 */
export function resolveForgeRepo(input: { repo: string; forge: Forge; apiUrl?: string | undefined; githubApiUrl?: string | undefined; githubRepo?: string | undefined }): RepoTarget {
  if (input.forge === 'github') {
    if (input.apiUrl !== undefined && input.githubApiUrl !== undefined) throw new UsageError('--api-url and --github-api-url name the same thing: give one');
    return resolveRepo(input.repo, input.apiUrl ?? input.githubApiUrl, input.githubRepo);
  }
  if (input.githubApiUrl !== undefined || input.githubRepo !== undefined) {
    throw new UsageError('--github-api-url and --github-repo apply to --forge github', 'with --forge gitea, give --repo as the Gitea git URL (and --api-url when the API lives elsewhere)');
  }
  const ownerName = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(input.repo);
  if (ownerName) {
    if (input.apiUrl === undefined) throw new UsageError(`--forge gitea with --repo ${input.repo} needs --api-url (Gitea's base URL)`, 'or give --repo as the git URL, e.g. https://gitea.example.com/acme/config.git');
    const base = giteaApiBase(checkHttpUrl(input.apiUrl, '--api-url')).replace(/\/api\/v1$/, '');
    const name = ownerName[2]!.replace(/\.git$/, '');
    return { owner: ownerName[1]!, name, gitUrl: `${base}/${ownerName[1]}/${name}.git`, apiUrl: `${base}/api/v1`, onGitHub: false, named: true, forge: 'gitea' };
  }
  const url = new URL(checkHttpUrl(input.repo, '--repo'));
  const parts = url.pathname.replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length < 2) throw new UsageError(`--repo ${input.repo} does not end in OWNER/NAME, as Gitea serves repositories`, 'e.g. --repo https://gitea.example.com/acme/config.git');
  // Gitea under a sub-path (ROOT_URL https://host/git/) serves its API under the same prefix.
  const prefix = parts.slice(0, -2).map((p) => `/${p}`).join('');
  const apiUrl = giteaApiBase(input.apiUrl !== undefined ? checkHttpUrl(input.apiUrl, '--api-url') : `${url.origin}${prefix}`);
  return { owner: parts[parts.length - 2]!, name: parts[parts.length - 1]!, gitUrl: url.toString(), apiUrl, onGitHub: false, named: true, forge: 'gitea' };
}

function checkHttpUrl(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} "${text}" is not a URL`, 'e.g. https://gitea.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${flag} ${url.protocol}// is not an http(s) URL`);
  if (url.username || url.password) throw new UsageError(`${flag} must not carry credentials`, 'pass the token in FERRY_GITEA_TOKEN');
  return text;
}

export interface RepoTarget {
  /** Which forge serves pull requests and statuses; GitHub unless --forge gitea. */
  forge?: Forge | undefined;
  /** The GitHub repository (OWNER/NAME) the API calls name; empty when `named` is false. */
  owner: string;
  name: string;
  gitUrl: string;
  apiUrl: string;
  onGitHub: boolean;
  /**
   * False for a git URL with one path segment (`http://git.internal/config.git`, as plain
   * `git http-backend`, cgit or Gerrit serve them) and no `--github-repo`: git works, the GitHub API
   * (pull requests, --wait-live, the promotesFrom gate, cluster statuses) does not.
   */
  named: boolean;
}

/**
 * OWNER/NAME means GitHub (or the Enterprise host of --github-api-url); a URL is any smart-HTTP git
 * server. The GitHub repository of a URL is `githubRepo` (`--github-repo OWNER/NAME`) when given,
 * else its last two path parts; a URL with one path part names none.
 */
export function resolveRepo(repo: string, apiUrl: string | undefined, githubRepo?: string): RepoTarget {
  const api = (apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const ownerName = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;
  const short = ownerName.exec(repo);
  if (short) {
    if (githubRepo !== undefined) throw new UsageError(`--github-repo applies to a git URL --repo; --repo ${repo} already names the GitHub repository`, 'drop --github-repo');
    const webOrigin = apiUrl ? new URL(api).origin : 'https://github.com';
    return { owner: short[1]!, name: short[2]!.replace(/\.git$/, ''), gitUrl: `${webOrigin}/${short[1]}/${short[2]!.replace(/\.git$/, '')}.git`, apiUrl: api, onGitHub: true, named: true };
  }
  let url: URL;
  try {
    url = new URL(repo);
  } catch {
    throw new UsageError(`--repo "${repo}" is neither OWNER/NAME nor a URL`, 'e.g. --repo acme/config or --repo https://git.example.com/config.git');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--repo ${url.protocol}// is not a smart-HTTP git URL`, 'use an http(s):// URL');
  if (url.username || url.password) {
    throw new UsageError('--repo must not carry credentials', 'pass them in FERRY_GIT_USERNAME / FERRY_GIT_PASSWORD or a GitHub token variable');
  }
  const onGitHub = url.hostname === 'github.com' || apiUrl !== undefined || githubRepo !== undefined;
  if (githubRepo !== undefined) {
    const named = ownerName.exec(githubRepo);
    if (!named) throw new UsageError(`--github-repo "${githubRepo}" is not OWNER/NAME`, 'e.g. --github-repo acme/config');
    return { owner: named[1]!, name: named[2]!.replace(/\.git$/, ''), gitUrl: url.toString(), apiUrl: api, onGitHub, named: true };
  }
  const parts = url.pathname.replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length === 0) throw new UsageError(`--repo ${repo} names no repository (its path is empty)`, 'e.g. --repo https://git.example.com/config.git');
  if (parts.length === 1) {
    if (onGitHub) throw needsGitHubRepo(url.toString(), '--github-api-url points at the GitHub API');
    return { owner: '', name: parts[0]!, gitUrl: url.toString(), apiUrl: api, onGitHub: false, named: false };
  }
  return { owner: parts[parts.length - 2]!, name: parts[parts.length - 1]!, gitUrl: url.toString(), apiUrl: api, onGitHub, named: true };
}

/** A one-segment git URL serves git; what needs the GitHub API needs the repository named. */
export function needsGitHubRepo(gitUrl: string, reason: string): UsageError {
  return new UsageError(`${reason}, but --repo ${gitUrl} has one path segment and names no GitHub repository (OWNER/NAME)`,
    'pass --github-repo OWNER/NAME (the GitHub repository the config repo is mirrored to and the agents report to), or use --push direct without --wait-live; nothing was pushed');
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

