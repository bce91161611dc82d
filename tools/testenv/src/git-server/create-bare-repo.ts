// Creates bare repositories under the server root, optionally seeded with one commit.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CreateRepoOptions {
  /** path -> content, committed on the default branch as one commit. */
  seed?: Record<string, string>;
  /** Default 'main'. */
  defaultBranch?: string;
}

// 'owner/name', or one segment ('config', served at /config.git as plain http-backend, cgit or Gerrit do).
const REPO_NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)?$/;

/** Git runs for seeding must not pick up the user's config (signing, hooks, templates). */
export function isolatedGitEnv(home: string, path: string | undefined): NodeJS.ProcessEnv {
  return {
    PATH: path,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Ferry Test',
    GIT_AUTHOR_EMAIL: 'test@ferry.invalid',
    GIT_COMMITTER_NAME: 'Ferry Test',
    GIT_COMMITTER_EMAIL: 'test@ferry.invalid',
  };
}

export function repoPath(root: string, name: string): string {
  if (!REPO_NAME.test(name) || name.split('/').some((part) => part === '.' || part === '..')) {
    throw new Error(`git-server: repo name "${name}" must be "owner/name" or "name" (letters, digits, _ . -)`);
  }
  return join(root, `${name}.git`);
}

export async function createBareRepo(root: string, name: string, env: NodeJS.ProcessEnv, options: CreateRepoOptions = {}): Promise<string> {
  const path = repoPath(root, name);
  const branch = options.defaultBranch ?? 'main';
  await mkdir(dirname(path), { recursive: true });
  const git = (args: string[], cwd: string) => execFileAsync('git', args, { cwd, env });
  await git(['init', '--quiet', '--bare', '-b', branch, path], root);
  await git(['config', 'http.receivepack', 'true'], path);
  if (options.seed === undefined) return path;

  const work = await mkdtemp(join(tmpdir(), 'ferry-git-seed-'));
  try {
    await git(['init', '--quiet', '-b', branch], work);
    // No background auto-gc in the scratch repo: it would race the rm below (ENOTEMPTY on 30,000 files).
    await git(['config', 'gc.auto', '0'], work);
    for (const [file, content] of Object.entries(options.seed)) {
      const target = resolve(work, file);
      if (!target.startsWith(work + sep) || target.startsWith(join(work, '.git') + sep)) {
        throw new Error(`git-server: seed path "${file}" for ${name} must stay inside the work tree`);
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await git(['add', '--all'], work);
    await git(['commit', '--quiet', '--allow-empty', '-m', 'seed'], work);
    // A local-path push, not HTTP: safe to run while this process serves HTTP.
    await git(['push', '--quiet', path, `HEAD:refs/heads/${branch}`], work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return path;
}
