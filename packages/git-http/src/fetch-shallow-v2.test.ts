import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { indexPack, writePack } from './fetch-shallow-v2.js';

const run = promisify(execFile);
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };

/** A pack of every object of a new repository in `dir`: similar files across commits make git store deltas (ofs-delta). */
async function packWithDeltas(dir: string): Promise<Buffer> {
  await run('git', ['init', '-q', dir], { env });
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 40; i++) await writeFile(join(dir, `f${i}.yaml`), `name: app${i}\n${'line: value\n'.repeat(50)}version: ${c}\n`);
    await run('git', ['add', '.'], { cwd: dir, env });
    await run('git', ['commit', '-qm', `c${c}`], { cwd: dir, env });
  }
  const { stdout: objects } = await run('git', ['rev-list', '--objects', '--all'], { cwd: dir, env });
  return new Promise<Buffer>((resolve, reject) => {
    const child = execFile('git', ['pack-objects', '--stdout', '--delta-base-offset'], { cwd: dir, env, encoding: 'buffer', maxBuffer: 1 << 26 }, (err, out) => (err ? reject(err) : resolve(out)));
    child.stdin!.end(objects);
  });
}

describe('writePack', () => {
  it('stores a pack over the size limit with the index isomorphic-git builds, and returns no objects', async () => {
    const source = await mkdtemp(join(tmpdir(), 'ferry-idx-'));
    const gitdir = await mkdtemp(join(tmpdir(), 'ferry-store-'));
    try {
      const pack = await packWithDeltas(source);
      const small = await writePack(join(gitdir, 'small'), pack);
      const large = await writePack(join(gitdir, 'large'), pack, pack.length - 1);
      expect(small.size).toBeGreaterThan(120);
      expect(large.size).toBe(0);
      const name = `pack-${indexPack(pack).packName}`;
      const idx = (store: string) => readFile(join(gitdir, store, 'objects', 'pack', `${name}.idx`));
      expect((await idx('large')).equals(await idx('small'))).toBe(true);
    } finally {
      await rm(source, { recursive: true, force: true });
      await rm(gitdir, { recursive: true, force: true });
    }
  });
});

describe('indexPack', () => {
  it('builds the same .idx as git index-pack, deltas included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-idx-'));
    try {
      const pack = await packWithDeltas(dir);
      await writeFile(join(dir, 'p.pack'), pack);
      await run('git', ['index-pack', '-o', join(dir, 'p.idx'), join(dir, 'p.pack')], { cwd: dir, env });
      const { stdout: verify } = await run('git', ['verify-pack', '-v', join(dir, 'p.idx')], { cwd: dir, env });
      expect(verify).toMatch(/chain length = 1/);
      const ours = indexPack(pack);
      expect(ours.idx.equals(await readFile(join(dir, 'p.idx')))).toBe(true);
      expect(ours.packName).toBe(pack.subarray(pack.length - 20).toString('hex'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a truncated pack', () => {
    expect(() => indexPack(Buffer.from('PACK\0\0\0\x02\0\0\0\x01garbage-garbage-garbage-garbage'))).toThrow(/checksum|invalid/);
  });
});
