import { startGitServer, type GitServer } from '@ferry/testenv';
import { FerryError } from '@ferry/manifest-model';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree, tagCommit } from '../test/git-fixture.js';
import { IsomorphicGitSource, translateSourceError } from './git-source.js';

// Real `git http-backend` server (tools/testenv), real isomorphic-git.
let server: GitServer;
let cacheDir: string;

beforeAll(async () => {
  server = await startGitServer({ auth: { basic: [{ username: 'agent', password: 's3cret-pass' }] } });
  cacheDir = await mkdtemp(join(tmpdir(), 'ferry-git-source-'));
});
afterAll(async () => {
  await server?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const credentials = { username: 'agent', password: 's3cret-pass' };
const text = (files: { path: string; content: Buffer }[]) => Object.fromEntries(files.map((f) => [f.path, f.content.toString()]));

describe('IsomorphicGitSource', () => {
  it('resolves the head, fetches shallow then incrementally, and reads blobs under a path', async () => {
    const repo = await server.createRepo('acme/config');
    const first = await commitTree(repo.path, { 'apps/web/cm.yaml': 'a: 1\n', 'apps/web/sub/x.yaml': 'x: 1\n', 'other/o.yaml': 'o\n' });
    const source = new IsomorphicGitSource({ cacheDir });
    const ref = { branch: 'main' };
    expect(await source.resolveRemote(repo.url, ref, credentials)).toBe(first);
    await source.fetchCommit(repo.url, ref, first, credentials);
    expect(text(await source.readFiles(repo.url, first, 'apps/web'))).toEqual({ 'apps/web/cm.yaml': 'a: 1\n', 'apps/web/sub/x.yaml': 'x: 1\n' });

    const second = await commitTree(repo.path, { 'apps/web/cm.yaml': 'a: 2\n' });
    expect(await source.resolveRemote(repo.url, ref, credentials)).toBe(second);
    const before = server.requests.length;
    await source.fetchCommit(repo.url, ref, second, credentials);
    expect(server.requests.length).toBeGreaterThan(before);
    expect(text(await source.readFiles(repo.url, second, 'apps/web', (p) => p.endsWith('cm.yaml')))).toEqual({ 'apps/web/cm.yaml': 'a: 2\n' });
    // The older commit stays readable from the same store.
    expect(text(await source.readFiles(repo.url, first, 'apps/web/sub'))).toEqual({ 'apps/web/sub/x.yaml': 'x: 1\n' });

    // A commit already present costs no request at all.
    const settled = server.requests.length;
    await source.fetchCommit(repo.url, ref, second, credentials);
    expect(server.requests.length).toBe(settled);
  });

  it('forgets the packs of a store it re-clones (maxPacks): its parsed-object cache names only packs on disk', async () => {
    const repo = await server.createRepo('acme/reclone');
    const dir = await mkdtemp(join(tmpdir(), 'ferry-git-reclone-'));
    try {
      const source = new IsomorphicGitSource({ cacheDir: dir, maxPacks: 1 });
      const ref = { branch: 'main' };
      let recloned = 0;
      let packs = 0;
      for (let i = 0; i < 6; i++) {
        await commitTree(repo.path, { 'a.yaml': `a: ${i}\n` });
        const commit = await source.resolveRemote(repo.url, ref, credentials);
        await source.fetchCommit(repo.url, ref, commit, credentials);
        expect(text(await source.readFiles(repo.url, commit, ''))).toMatchObject({ 'a.yaml': `a: ${i}\n` });
        const [store] = (await readdir(dir)).filter((name) => name.endsWith('.git'));
        const onDisk = (await readdir(join(dir, store as string, 'objects', 'pack'))).filter((name) => name.endsWith('.pack')).length;
        if (onDisk < packs) recloned++;
        packs = onDisk;
        expect(source.cachedPackfiles).toBeLessThanOrEqual(onDisk);
      }
      expect(recloned).toBeGreaterThanOrEqual(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resolves an annotated tag to its commit', async () => {
    const repo = await server.createRepo('acme/tagged');
    const commit = await commitTree(repo.path, { 'a.yaml': 'a\n' });
    await tagCommit(repo.path, 'v1.0.0', commit);
    const source = new IsomorphicGitSource({ cacheDir });
    expect(await source.resolveRemote(repo.url, { tag: 'v1.0.0' }, credentials)).toBe(commit);
    await source.fetchCommit(repo.url, { tag: 'v1.0.0' }, commit, credentials);
    expect(text(await source.readFiles(repo.url, commit, ''))).toEqual({ 'a.yaml': 'a\n' });
  });

  it('names a missing branch and a missing path', async () => {
    const repo = await server.createRepo('acme/missing');
    const commit = await commitTree(repo.path, { 'a.yaml': 'a\n' });
    const source = new IsomorphicGitSource({ cacheDir });
    await expect(source.resolveRemote(repo.url, { branch: 'nope' }, credentials)).rejects.toMatchObject({ code: 'source.ref-not-found' });
    await source.fetchCommit(repo.url, { branch: 'main' }, commit, credentials);
    await expect(source.readFiles(repo.url, commit, 'does/not/exist')).rejects.toMatchObject({ code: 'source.path-not-found' });
  });

  it('reports refused credentials without leaking them', async () => {
    const repo = await server.createRepo('acme/private');
    await commitTree(repo.path, { 'a.yaml': 'a\n' });
    const source = new IsomorphicGitSource({ cacheDir });
    const error = await source.resolveRemote(repo.url, { branch: 'main' }, { username: 'agent', password: 'wrong-password-123' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('source.auth');
    expect(String((error as FerryError).message)).not.toContain('wrong-password-123');
  });

  it('refuses a repository larger than the cap', async () => {
    const repo = await server.createRepo('acme/large');
    const big = Array.from({ length: 4000 }, (_, i) => `line ${i} ${Math.random().toString(36).repeat(4)}`).join('\n');
    const commit = await commitTree(repo.path, { 'big.yaml': big });
    const source = new IsomorphicGitSource({ cacheDir, maxRepoBytes: 20_000 });
    await expect(source.fetchCommit(repo.url, { branch: 'main' }, commit, credentials)).rejects.toMatchObject({ code: 'source.too-large' });
  });
});

describe('translateSourceError', () => {
  const url = 'https://git.example.com/acme/config.git';
  it.each([
    ['git.network', 'pack cut short (connection closed before the end)', 'source.unavailable'],
    ['git.failed', 'server: upload-pack: not our ref 0123', 'source.unavailable'],
    ['git.unsupported', 'not a smart-HTTP upload-pack answer', 'source.not-git'],
  ])('turns the protocol v2 fetch\'s %s into %s, the retry rule the Sync follows', (code, message, expected) => {
    const translated = translateSourceError(url, credentials, new FerryError(code, message));
    expect(translated.code).toBe(expected);
    expect(translated.message).toContain(url);
    expect(translated.message).toContain(message.split(' ')[0]);
  });

  it('passes the agent\'s own codes on unchanged', () => {
    const own = new FerryError('source.too-large', 'too large');
    expect(translateSourceError(url, credentials, own)).toBe(own);
  });
});
