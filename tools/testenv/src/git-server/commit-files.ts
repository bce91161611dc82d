// Test support: makes `files` the whole tree of a branch in a bare repository of the test git
// server, with native git over the filesystem (never over HTTP from the process hosting the server:
// that could deadlock). Entries may be bytes or symbolic links, which a string seed cannot express.
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

export interface CommitFilesOptions {
  /** Default `main`. */
  branch?: string;
  /** Default `test commit`. */
  message?: string;
  /** A new root commit pushed with --force (history rewritten), instead of a commit on top. */
  rewrite?: boolean;
}

/** Replaces (not merges) the branch's tree with `files` in one new commit; returns its SHA. */
export async function commitFiles(barePath: string, files: Record<string, RepoEntry>, options: CommitFilesOptions = {}): Promise<string> {
  const branch = options.branch ?? 'main';
  const work = await mkdtemp(join(tmpdir(), 'ferry-commit-files-'));
  try {
    const git = (...args: string[]) => run('git', args, { cwd: work, env, maxBuffer: 64 * 1024 * 1024 });
    await git('init', '-q', '-b', branch);
    await git('config', 'core.symlinks', 'true');
    await git('config', 'gc.auto', '0');
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
    await git('commit', '-q', '--allow-empty', '-m', options.message ?? 'test commit');
    await git('push', '-q', ...(options.rewrite ? ['--force'] : []), barePath, `HEAD:refs/heads/${branch}`);
    return (await git('rev-parse', 'HEAD')).stdout.trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every ref of a bare repository and what it points at: compare before and after a run. */
export async function readRefs(barePath: string): Promise<string> {
  return (await run('git', ['--git-dir', barePath, 'for-each-ref', '--format=%(refname) %(objectname)'], { env })).stdout;
}
