// Test support: replaces the tree of a branch in a bare repository of the test git server with
// files a string seed cannot express (bytes, symlinks), as a new commit on top, or as a new root
// commit pushed with --force (history rewritten). Native git over the filesystem, never over HTTP
// from the process hosting the server (that could deadlock).
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

export async function commitRepoTree(barePath: string, files: Record<string, RepoEntry>, options: { rewrite?: boolean; branch?: string } = {}): Promise<string> {
  const branch = options.branch ?? 'main';
  const work = await mkdtemp(join(tmpdir(), 'ferry-agent-bad-repo-'));
  try {
    const git = (...args: string[]) => run('git', args, { cwd: work, env, maxBuffer: 64 * 1024 * 1024 });
    await git('init', '-q', '-b', branch);
    await git('config', 'core.symlinks', 'true');
    if (!options.rewrite) {
      await git('fetch', '-q', barePath, `+refs/heads/${branch}:refs/remotes/origin/${branch}`).catch(() => undefined);
      const exists = await git('rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}`).then(() => true, () => false);
      if (exists) await git('reset', '-q', '--soft', `refs/remotes/origin/${branch}`);
    }
    for (const [path, entry] of Object.entries(files)) {
      const target = join(work, path);
      await mkdir(dirname(target), { recursive: true });
      if (typeof entry === 'object' && 'symlink' in entry) await symlink(entry.symlink, target);
      else await writeFile(target, entry);
    }
    await git('add', '-A', '.');
    await git('commit', '-q', '--allow-empty', '-m', options.rewrite ? 'rewritten history' : 'bad input fixture');
    await git('push', '-q', ...(options.rewrite ? ['--force'] : []), barePath, `HEAD:refs/heads/${branch}`);
    return (await git('rev-parse', 'HEAD')).stdout.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
