import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBundleOptions } from '../../../tools/build/build-bundle.mjs';
import shim from './pako-node-zlib.js';

const run = promisify(execFile);

/** The pako isomorphic-git depends on (resolved from where isomorphic-git is), as it calls it. */
interface PakoInflate {
  push(chunk: Uint8Array, mode?: boolean): unknown;
  result?: Uint8Array | undefined;
  err: number;
  strm: { avail_in: number };
}
const pako = createRequire(createRequire(import.meta.url).resolve('isomorphic-git'))('pako') as {
  inflate(data: Uint8Array): Uint8Array;
  Inflate: new () => PakoInflate;
};

/** Mixed text and noise, so the deflated stream is neither trivial nor one block. */
function sample(size: number): Buffer {
  const parts: Buffer[] = [];
  for (let n = 0; n < size; n += 64) parts.push(n % 128 ? Buffer.from(`key${n}: value ${n % 7}\n`.padEnd(64, '#')) : randomBytes(64));
  return Buffer.concat(parts).subarray(0, size);
}

/** Pushes `chunks` as isomorphic-git's pack indexer does: until a result, or the chunks run out. */
function pushAll(inflator: { push(chunk: Uint8Array, mode?: boolean): unknown; result?: unknown; err: number }, chunks: Uint8Array[]): void {
  for (const chunk of chunks) {
    inflator.push(chunk, false);
    if (inflator.result || inflator.err) return;
  }
}

describe('pako-node-zlib, beside pako', () => {
  const data = sample(60_000);
  const stream = deflateSync(data);

  it('inflates and deflates the same bytes', () => {
    expect(Buffer.from(shim.inflate(stream))).toEqual(Buffer.from(pako.inflate(stream)));
    expect(Buffer.from(pako.inflate(shim.deflate(data)))).toEqual(data);
  });

  it('throws a string on corrupt data, as pako does', () => {
    const corrupt = Buffer.from(stream);
    corrupt.fill(0xff, 20, 60);
    const thrown = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(typeof thrown(() => pako.inflate(corrupt))).toBe('string');
    expect(typeof thrown(() => shim.inflate(corrupt))).toBe('string');
  });

  // The indexer pushes the rest of the pack; the object's stream ends inside it, and avail_in says
  // how many bytes of the chunk follow the stream: where the next object starts.
  it('ends a stream inside a chunk where pako does, in one chunk or many', () => {
    const pack = Buffer.concat([stream, randomBytes(5_000)]);
    for (const cuts of [[], [1], [10_000], [stream.length - 1], [stream.length], [3_000, 20_000, stream.length - 2]]) {
      const chunks = [0, ...cuts, pack.length].slice(1).map((end, i, ends) => pack.subarray(i === 0 ? 0 : ends[i - 1], end));
      const theirs = new pako.Inflate();
      const ours = new shim.Inflate();
      pushAll(theirs, chunks);
      pushAll(ours, chunks);
      expect(Buffer.from(ours.result!)).toEqual(data);
      expect(Buffer.from(theirs.result!)).toEqual(data);
      expect(ours.strm.avail_in).toBe(theirs.strm.avail_in);
    }
  });

  it('sets err on corrupt data and no result', () => {
    const corrupt = Buffer.from(stream);
    corrupt.fill(0xff, 20, 60);
    const ours = new shim.Inflate();
    ours.push(corrupt);
    const theirs = new pako.Inflate();
    theirs.push(corrupt, false);
    expect(theirs.err).not.toBe(0);
    expect(ours.err).not.toBe(0);
    expect(ours.result).toBeUndefined();
  });
});

// The bundles alias pako to the shim: isomorphic-git, bundled as the agent and the CLI are, indexes
// a pack native git wrote (with deltas) and reads every object as git does.
describe('isomorphic-git in a bundle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pako-shim-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('indexes and reads a pack with deltas, byte for byte as git', async () => {
    const bundled = await build({
      ...nodeBundleOptions, stdin: { contents: "export { default } from 'isomorphic-git';", resolveDir: nodeBundleOptions.absWorkingDir, loader: 'js' },
      outfile: join(dir, 'isomorphic-git.mjs'), write: true,
    });
    expect(Object.keys(bundled.metafile!.inputs).filter((input) => input.includes('node_modules/pako/'))).toEqual([]);
    const git = (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'isomorphic-git.mjs')).href)).default;

    const work = join(dir, 'work');
    const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    await run('git', ['init', '-q', work], { env });
    const big = sample(300_000).toString('latin1');
    for (let commit = 0; commit < 3; commit++) {
      // The same large file, changed a little each commit: git stores all but one as deltas.
      await writeFile(join(work, 'values.yaml'), `${big}\nrevision: ${commit}\n`);
      await writeFile(join(work, `file${commit}.yaml`), `n: ${commit}\n`);
      await run('git', ['add', '-A'], { cwd: work, env });
      await run('git', ['commit', '-qm', `c${commit}`], { cwd: work, env });
    }
    await run('git', ['repack', '-adq', '--depth=10', '--window=10'], { cwd: work, env });
    const packDir = join(work, '.git/objects/pack');
    const pack = (await readdir(packDir)).find((f) => f.endsWith('.pack'))!;
    expect((await run('git', ['verify-pack', '-v', join(packDir, pack)], { env })).stdout).toMatch(/ delta/);
    await rm(join(packDir, pack.replace(/\.pack$/, '.idx')));

    await git.indexPack({ fs, dir: work, filepath: `.git/objects/pack/${pack}` });
    const listed = (await run('git', ['rev-list', '--objects', '--all'], { cwd: work, env })).stdout.trim().split('\n').map((line) => line.split(' ')[0]!);
    expect(listed.length).toBeGreaterThan(10);
    for (const oid of listed) {
      const ours = await git.readObject({ fs, dir: work, oid, format: 'content' });
      const type = (await run('git', ['cat-file', '-t', oid], { cwd: work, env })).stdout.trim();
      const theirs = (await run('git', ['cat-file', type, oid], { cwd: work, env, encoding: 'buffer', maxBuffer: 1 << 24 })).stdout;
      expect(ours.type).toBe(type);
      expect(Buffer.from(ours.object).equals(theirs)).toBe(true);
    }
  });
});
