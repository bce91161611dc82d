// Test support: commits file changes into a bare repository of the test git server with native git,
// over the filesystem (never over HTTP from the process hosting the server: that could deadlock).
import { execFile } from 'node:child_process';
import { commitFiles } from '@ferry/testenv';
import { tmpdir } from 'node:os';
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
export function commitTree(barePath: string, files: Record<string, string>, branch = 'main', message = 'test commit'): Promise<string> {
  return commitFiles(barePath, files, { branch, message });
}

export async function tagCommit(barePath: string, tag: string, commit: string): Promise<void> {
  await run('git', ['--git-dir', barePath, 'tag', '-a', '-m', tag, tag, commit], { env });
}
