// Test kit: a real git server and the GitHub emulator over the same repositories, plus a helper
// that pushes branches the way a CI job would (native git over HTTP).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runGit } from '../git-server/run-git.js';
import { startGitServer, type GitServer, type GitServerAuth } from '../git-server/start-git-server.js';
import { startGitHubEmulator, type GitHubEmulator, type GitHubEmulatorOptions } from './start-github-emulator.js';

export interface EmulatorWorldOptions extends Omit<GitHubEmulatorOptions, 'reposRoot' | 'gitUrl'> {
  /**
   * Make the git server demand the credentials github.com's git accepts: basic auth with user
   * `x-access-token` and a PAT from `tokens` or a live installation token as password (or either
   * as a bearer token). Needs `tokens`.
   */
  gitAuth?: boolean;
}

export interface EmulatorWorld {
  git: GitServer;
  github: GitHubEmulator;
  /** Commits `files` on `branch` (created from `from`, default main) and pushes; returns the new head sha. */
  pushFiles(repo: string, branch: string, files: Record<string, string>, options?: { from?: string; message?: string }): Promise<string>;
  close(): Promise<void>;
}

async function git(args: string[], cwd?: string): Promise<string> {
  const r = await runGit(args, cwd ? { cwd } : {});
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

export async function startEmulatorWorld(options: EmulatorWorldOptions = {}): Promise<EmulatorWorld> {
  const { gitAuth, ...githubOptions } = options;
  if (gitAuth && !options.tokens?.length) throw new Error('startEmulatorWorld: gitAuth needs at least one PAT in `tokens`');
  // The git server reads these lists on every request, so tokens issued later are accepted too.
  const auth: GitServerAuth | undefined = gitAuth
    ? { basic: (options.tokens ?? []).map((t) => ({ username: 'x-access-token', password: t })), bearer: [...(options.tokens ?? [])] }
    : undefined;
  const gitServer = await startGitServer({ auth });
  const github = await startGitHubEmulator({ ...githubOptions, reposRoot: gitServer.root, gitUrl: gitServer.url });
  if (auth && options.app) {
    github.onInstallationToken((token, expiresAt) => {
      const basic = { username: 'x-access-token', password: token };
      auth.basic?.push(basic);
      auth.bearer?.push(token);
      // Like github.com's git, refuse the token once it has expired (app.tokenLifetimeMs shortens it).
      setTimeout(() => {
        auth.basic?.splice(auth.basic.indexOf(basic), 1);
        auth.bearer?.splice(auth.bearer.indexOf(token), 1);
      }, Math.max(0, expiresAt.getTime() - Date.now())).unref();
    });
  }
  const pushUrl = (repo: string): string => {
    const url = new URL(gitServer.repoUrl(repo));
    if (gitAuth) {
      url.username = 'x-access-token';
      url.password = options.tokens?.[0] ?? '';
    }
    return url.toString();
  };
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-gh-work-'));
  let n = 0;
  return {
    git: gitServer,
    github,
    async pushFiles(repo, branch, files, o = {}) {
      const work = join(scratch, `w${n++}`);
      await git(['clone', '--quiet', pushUrl(repo), work]);
      const from = o.from ?? 'main';
      await git(['checkout', '--quiet', '-B', branch, `origin/${from}`], work);
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), content);
      }
      await git(['add', '--all'], work);
      await git(['commit', '--quiet', '--allow-empty', '-m', o.message ?? `update ${Object.keys(files).join(', ')}`], work);
      await git(['push', '--quiet', '--force', 'origin', `HEAD:refs/heads/${branch}`], work);
      const sha = await git(['rev-parse', 'HEAD'], work);
      await rm(work, { recursive: true, force: true });
      return sha;
    },
    /** Stops both servers; throws (after stopping them) if the stand-in has untaken violations. */
    async close() {
      try {
        await github.close();
      } finally {
        await gitServer.close();
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}
