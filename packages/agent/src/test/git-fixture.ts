// Test support: commits file changes into a bare repository of the test git server with native git,
// over the filesystem (never over HTTP from the process hosting the server: that could deadlock).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const env = {
  PATH: process.env['PATH'],
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ferry Test',
  GIT_AUTHOR_EMAIL: 'test@ferry.invalid',
  GIT_COMMITTER_NAME: 'Ferry Test',
  GIT_COMMITTER_EMAIL: 'test@ferry.invalid',
};

/**
 * Replaces the whole tree of `branch` with `files` (path -> content) as one new commit and returns
 * its SHA. Replacing (not merging) keeps each test's commit exactly what it lists.
 */
export async function commitTree(barePath: string, files: Record<string, string>, branch = 'main', message = 'test commit'): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'ferry-agent-commit-'));
  try {
    const git = (...args: string[]) => run('git', args, { cwd: work, env, maxBuffer: 64 * 1024 * 1024 });
    await git('init', '-q', '-b', branch);
    await git('fetch', '-q', barePath, `+refs/heads/${branch}:refs/remotes/origin/${branch}`).catch(() => undefined);
    const hasBranch = await git('rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}`).then(() => true, () => false);
    if (hasBranch) await git('reset', '-q', '--soft', `refs/remotes/origin/${branch}`);
    for (const [path, content] of Object.entries(files)) {
      const target = join(work, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await git('add', '-A', '.');
    await git('commit', '-q', '--allow-empty', '-m', message);
    await git('push', '-q', barePath, `HEAD:refs/heads/${branch}`);
    return (await git('rev-parse', 'HEAD')).stdout.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function tagCommit(barePath: string, tag: string, commit: string): Promise<void> {
  await run('git', ['--git-dir', barePath, 'tag', '-a', '-m', tag, tag, commit], { env });
}
