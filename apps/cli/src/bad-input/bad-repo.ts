// Test support: builds config repositories that a seed of strings cannot express (binary and
// non-UTF-8 files, symbolic links) in a bare repo of the test git server, with native git over the
// filesystem (never over HTTP from the process hosting the server: that could deadlock).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const env = {
  PATH: process.env['PATH'], HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ferry Test', GIT_AUTHOR_EMAIL: 'test@ferry.invalid', GIT_COMMITTER_NAME: 'Ferry Test', GIT_COMMITTER_EMAIL: 'test@ferry.invalid',
};

export type RepoEntry = string | Uint8Array | { symlink: string };

/** Commits `files` as the whole tree of `branch` (a new root commit) and returns its SHA. */
export async function commitRepoTree(barePath: string, files: Record<string, RepoEntry>, branch = 'main'): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'ferry-bad-repo-'));
  try {
    const git = (...args: string[]) => run('git', args, { cwd: work, env, maxBuffer: 64 * 1024 * 1024 });
    await git('init', '-q', '-b', branch);
    await git('config', 'core.symlinks', 'true');
    for (const [path, entry] of Object.entries(files)) {
      const target = join(work, path);
      await mkdir(dirname(target), { recursive: true });
      if (typeof entry === 'object' && 'symlink' in entry) await symlink(entry.symlink, target);
      else await writeFile(target, entry);
    }
    await git('add', '-A', '.');
    await git('commit', '-q', '--allow-empty', '-m', 'bad input fixture');
    await git('push', '-q', '--force', barePath, `HEAD:refs/heads/${branch}`);
    return (await git('rev-parse', 'HEAD')).stdout.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every ref of a bare repository and what it points at: compare before and after a run. */
export async function readRefs(barePath: string): Promise<string> {
  return (await run('git', ['--git-dir', barePath, 'for-each-ref', '--format=%(refname) %(objectname)'], { env })).stdout;
}
