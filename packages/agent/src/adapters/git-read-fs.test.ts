import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import git, { Errors } from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitReadFs } from './git-read-fs.js';

// A real bare repository made with native git: some objects packed, one loose, read through
// isomorphic-git with the memoizing fs, as git-source.ts reads a revision's files.
const run = promisify(execFile);
const env = { PATH: process.env['PATH'], HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
let dir: string;
let gitdir: string;
const oids: Record<string, string> = {};

async function writeBlob(content: string): Promise<string> {
  const child = run('git', ['--git-dir', gitdir, 'hash-object', '-w', '--stdin'], { env });
  child.child.stdin?.end(content);
  return (await child).stdout.trim();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-git-read-fs-'));
  gitdir = join(dir, 'repo.git');
  await run('git', ['init', '-q', '--bare', gitdir], { env });
  oids['packedA'] = await writeBlob('a: 1\n');
  oids['packedB'] = await writeBlob('b: 2\n');
  // Pack everything written so far (no refs name them: keep unreachable objects in the pack too).
  const pack = run('git', ['--git-dir', gitdir, 'pack-objects', '-q', join(gitdir, 'objects', 'pack', 'pack')], { env });
  pack.child.stdin?.end(`${oids['packedA']}\n${oids['packedB']}\n`);
  await pack;
  await run('git', ['--git-dir', gitdir, 'prune-packed'], { env });
  oids['loose'] = await writeBlob('c: 3\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createGitReadFs', () => {
  it('reads packed and loose objects as plain node:fs does, with one fs for many reads', async () => {
    const fs = createGitReadFs(gitdir);
    const cache = {};
    const read = async (oid: string) => Buffer.from((await git.readBlob({ fs, gitdir, oid, cache })).blob).toString();
    expect(await read(oids['packedA'] as string)).toBe('a: 1\n');
    expect(await read(oids['loose'] as string)).toBe('c: 3\n');
    expect(await read(oids['packedB'] as string)).toBe('b: 2\n');
    expect(await read(oids['loose'] as string)).toBe('c: 3\n');
  });

  it('an object that is neither loose nor packed is not found', async () => {
    const fs = createGitReadFs(gitdir);
    const missing = 'f'.repeat(40);
    await expect(git.readBlob({ fs, gitdir, oid: missing })).rejects.toBeInstanceOf(Errors.NotFoundError);
    // The same prefix as an existing loose object: its directory is listed, the name is not in it.
    const sameDir = `${(oids['loose'] as string).slice(0, 2)}${'0'.repeat(38)}`;
    await expect(git.readBlob({ fs, gitdir, oid: sameDir })).rejects.toBeInstanceOf(Errors.NotFoundError);
  });
});
