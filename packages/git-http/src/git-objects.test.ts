import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPack, commitTree, hashObject, parseTree, serializeCommit, serializeTree, writeLooseObject } from './git-objects.js';

const run = promisify(execFile);
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

/** Native git, in `cwd`, with `input` on stdin; stdout as a Buffer. */
function git(cwd: string, args: string[], input?: Buffer | string, extraEnv: Record<string, string> = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { cwd, env: { ...env, ...extraEnv }, encoding: 'buffer', maxBuffer: 1 << 26 }, (err, out) => (err ? reject(err) : resolve(out)));
    // A command that reads no stdin (cat-file) may exit before the write lands: that EPIPE is no
    // failure (a command that needed the input fails the test through its own output). Unhandled, it
    // was an uncaught exception of the whole run.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
  });
}

// Every object checked against native git: the same ids, and git reads what was written.
describe('git objects with Node zlib and SHA-1', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await mkdtemp(join(tmpdir(), 'ferry-objects-'));
    await run('git', ['init', '-q', '--bare', repo], { env });
  });
  afterAll(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('hashes and stores blobs as git does', async () => {
    const content = Buffer.from('image: web:1\n# ünïcode\n', 'utf8');
    const oid = await writeLooseObject(repo, 'blob', content);
    expect(oid).toBe(hashObject('blob', content));
    expect((await git(repo, ['hash-object', '--stdin'], content)).toString().trim()).toBe(oid);
    expect((await git(repo, ['cat-file', 'blob', oid])).equals(content)).toBe(true);
    // Writing it again is a no-op.
    expect(await writeLooseObject(repo, 'blob', content)).toBe(oid);
  });

  it('serializes trees in git order, with the modes git writes, and parses them back', async () => {
    const blob = await writeLooseObject(repo, 'blob', Buffer.from('x\n'));
    const inner = await writeLooseObject(repo, 'tree', serializeTree([{ path: 'f.yaml', mode: '100644', oid: blob, type: 'blob' }]));
    // `a.b` sorts before the directory `a` (as `a/`) in git's order, `a-` before both; names with
    // bytes above ASCII after.
    const entries = [
      { path: 'a', mode: '040000', oid: inner, type: 'tree' as const },
      { path: 'é.yaml', mode: '100644', oid: blob, type: 'blob' as const },
      { path: 'a.b', mode: '100755', oid: blob, type: 'blob' as const },
      { path: 'a-', mode: '120000', oid: blob, type: 'blob' as const },
      { path: 'z', mode: '100644', oid: blob, type: 'blob' as const },
    ];
    const data = serializeTree(entries);
    const oid = await writeLooseObject(repo, 'tree', data);
    const listing = entries.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.path}\n`).join('');
    expect((await git(repo, ['mktree'], listing)).toString().trim()).toBe(oid);
    expect((await git(repo, ['cat-file', 'tree', oid])).equals(data)).toBe(true);
    await git(repo, ['fsck', '--strict', '--no-dangling']);
    expect(parseTree(data).map((e) => e.path)).toEqual(['a-', 'a.b', 'a', 'z', 'é.yaml']);
    expect(parseTree(data).find((e) => e.path === 'a')).toEqual({ path: 'a', mode: '040000', oid: inner, type: 'tree' });
    // Modes of old repositories read as isomorphic-git reads them.
    const legacy = Buffer.concat([Buffer.from('100664 old.yaml\0'), Buffer.from(blob, 'hex')]);
    expect(parseTree(legacy)).toEqual([{ path: 'old.yaml', mode: '100644', oid: blob, type: 'blob' }]);
    expect(() => parseTree(Buffer.from('100644 cut'))).toThrow(/malformed/);
  });

  it('lays commits out as git commit-tree does', async () => {
    const tree = await writeLooseObject(repo, 'tree', Buffer.alloc(0));
    const parent = (await git(repo, ['commit-tree', tree, '-m', 'root'], '', { GIT_AUTHOR_NAME: 'p', GIT_AUTHOR_EMAIL: 'p@p', GIT_COMMITTER_NAME: 'p', GIT_COMMITTER_EMAIL: 'p@p' })).toString().trim();
    const who = { name: 'ferry', email: 'ferry@users.noreply.github.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
    const message = 'promote web to dev\n\nFerry-App: web\n\n\n';
    const data = serializeCommit({ tree, parent: [parent], author: who, committer: who, message });
    const oid = await writeLooseObject(repo, 'commit', data);
    // isomorphic-git's layout: one newline at the end of the message (commit-tree keeps what it is given).
    const native = await git(repo, ['commit-tree', tree, '-p', parent, '-F', '-'], 'promote web to dev\n\nFerry-App: web\n', {
      GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_AUTHOR_DATE: '@1700000000 +0000',
      GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_COMMITTER_DATE: '@1700000000 +0000',
    });
    expect(native.toString().trim()).toBe(oid);
    expect(commitTree(data)).toBe(tree);
  });

  it('builds a pack git indexes, with every object in it', async () => {
    const objects = [
      { type: 'blob', data: Buffer.from('a'.repeat(5000)) },
      { type: 'blob', data: Buffer.alloc(0) },
      { type: 'blob', data: Buffer.from('x'.repeat(15)) },
      { type: 'blob', data: Buffer.from('y'.repeat(16)) },
    ];
    const tree = serializeTree(objects.map((o, i) => ({ path: `f${i}`, mode: '100644', oid: hashObject(o.type, o.data), type: 'blob' as const })));
    const all = [...objects, { type: 'tree', data: tree }];
    const packFile = join(repo, 'test.pack');
    await writeFile(packFile, buildPack(all));
    await git(repo, ['index-pack', packFile]);
    const verify = (await git(repo, ['verify-pack', '-v', packFile.replace(/\.pack$/, '.idx')])).toString();
    for (const o of all) expect(verify).toMatch(new RegExp(`^${hashObject(o.type, o.data)} ${o.type} +${o.data.length} `, 'm'));
  });
});
