// The shared ref listing of the git source (issue 14, many Syncs in one agent): one ls-refs per
// (URL, credentials) while fresh, single-flight, never handed to other credentials, and one pack
// download for many Syncs of one commit. Real `git http-backend` with basic auth, counting requests.
import { isPackDownload, isRefListing, startGitServer, TEST_GIT_PASSWORD, TEST_WRONG_GIT_PASSWORD, type GitServer, type RequestLogEntry } from '@ferry/testenv';
import { FerryError } from '@ferry/manifest-model';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree, tagCommit } from '../test/git-fixture.js';
import { IsomorphicGitSource, type GitCredentials } from './git-source.js';
import { oldestAccepted } from './ref-cache.js';

let server: GitServer;
let cacheDir: string;
let counter = 0;

const good: GitCredentials = { username: 'agent', password: TEST_GIT_PASSWORD };
const wrong: GitCredentials = { username: 'agent', password: TEST_WRONG_GIT_PASSWORD };
const interval = { maxAgeMs: 60_000 };

beforeAll(async () => {
  server = await startGitServer({ auth: { basic: [{ username: 'agent', password: TEST_GIT_PASSWORD }] } });
  cacheDir = await mkdtemp(join(tmpdir(), 'ferry-ref-cache-'));
});
afterAll(async () => {
  await server?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

async function repository() {
  const name = `acme/shared-${++counter}`;
  const repo = await server.createRepo(name);
  const first = await commitTree(repo.path, { 'a/x.yaml': 'x: 1\n', 'b/y.yaml': 'y: 1\n' });
  const requests = () => server.requests.filter((r) => r.repo === name);
  return { ...repo, name, first, requests };
}

const listings = (rs: RequestLogEntry[]) => rs.filter(isRefListing).length;
const downloads = (rs: RequestLogEntry[]) => rs.filter(isPackDownload).length;

async function refusal(work: Promise<unknown>): Promise<FerryError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FerryError);
  return error as FerryError;
}

describe('one ref listing per repository and credentials', () => {
  it('Syncs of any branch or tag of a repository share one ls-refs while it is fresh; concurrent callers wait for the one in flight', async () => {
    let now = 1_000_000;
    const source = new IsomorphicGitSource({ cacheDir, now: () => now });
    const repo = await repository();
    await tagCommit(repo.path, 'v1', repo.first);
    const other = await commitTree(repo.path, { 'c/z.yaml': 'z: 1\n' }, 'release');

    const heads = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      source.resolveRemote(repo.url, i % 3 === 0 ? { branch: 'release' } : i % 3 === 1 ? { tag: 'v1' } : { branch: 'main' }, good, interval)));
    expect(new Set(heads)).toEqual(new Set([other, repo.first]));
    expect(heads[1]).toBe(repo.first); // the annotated tag, peeled
    expect(listings(repo.requests())).toBe(1);
    expect(repo.requests().length).toBe(1);

    now += 59_000;
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, good, interval)).toBe(repo.first);
    expect(listings(repo.requests())).toBe(1);
    // Past the window: asked again. Without a freshness (one-shot runs), always asked.
    now += 2_000;
    await source.resolveRemote(repo.url, { branch: 'main' }, good, interval);
    expect(listings(repo.requests())).toBe(2);
    now += 1;
    await source.resolveRemote(repo.url, { branch: 'main' }, good);
    expect(listings(repo.requests())).toBe(3);
  });

  it('a webhook or spec change (notBefore) sees a push the fresh listing missed; a branch missing from it is asked for again', async () => {
    let now = 2_000_000;
    const source = new IsomorphicGitSource({ cacheDir, now: () => now });
    const repo = await repository();
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, good, interval)).toBe(repo.first);
    const second = await commitTree(repo.path, { 'a/x.yaml': 'x: 2\n' });
    now += 1_000;
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, good, interval)).toBe(repo.first);
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, good, { ...interval, notBefore: now })).toBe(second);
    expect(listings(repo.requests())).toBe(2);

    now += 1_000;
    const created = await commitTree(repo.path, { 'n/new.yaml': 'n: 1\n' }, 'feature');
    expect(await source.resolveRemote(repo.url, { branch: 'feature' }, good, interval)).toBe(created);
    expect(listings(repo.requests())).toBe(3);
    const missing = await refusal(source.resolveRemote(repo.url, { branch: 'nope' }, good, interval));
    expect(missing.code).toBe('source.ref-not-found');
  });

  it('never hands a listing to other credentials: wrong or no credentials are refused by the server, every time', async () => {
    let now = 3_000_000;
    const source = new IsomorphicGitSource({ cacheDir, now: () => now });
    const repo = await repository();
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, good, interval)).toBe(repo.first);
    for (const credentials of [wrong, undefined, { ...good, hosts: ['elsewhere.example'] }]) {
      const before = repo.requests().length;
      const error = await refusal(source.resolveRemote(repo.url, { branch: 'main' }, credentials, interval));
      expect(error.code).toBe(credentials?.hosts ? 'sync.secret-host-denied' : 'source.auth');
      // A commit ref too: its listing is the access check.
      expect((await refusal(source.resolveRemote(repo.url, { commit: repo.first }, credentials, interval))).code).toBe(error.code);
      expect((await refusal(source.fetchCommit(repo.url, { branch: 'main' }, repo.first, credentials, interval))).code).toBe(error.code);
      // The server was asked with these credentials (or, for a Secret of other hosts, nothing was sent).
      expect(repo.requests().length - before).toBe(credentials?.hosts ? 0 : 3);
      now += 1;
    }
    // The good credentials' listing is untouched by the refusals.
    const before = repo.requests().length;
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, good, interval)).toBe(repo.first);
    expect(repo.requests().length).toBe(before);
  });

  it('many Syncs of one new commit: one pack download; idle afterwards: no request at all within the interval', async () => {
    let now = 4_000_000;
    const source = new IsomorphicGitSource({ cacheDir, now: () => now });
    const repo = await repository();
    const reconcile = async (path: string) => {
      const head = await source.resolveRemote(repo.url, { branch: 'main' }, good, interval);
      await source.fetchCommit(repo.url, { branch: 'main' }, head, good, interval);
      return (await source.readFiles(repo.url, head, path)).map((f) => f.path);
    };
    const read = await Promise.all(Array.from({ length: 12 }, (_, i) => reconcile(i % 2 ? 'a' : 'b')));
    expect(read[0]).toEqual(['b/y.yaml']);
    expect(read[1]).toEqual(['a/x.yaml']);
    // One listing; one download, the first of the store (protocol v2: its own ls-refs finds the branch).
    expect(downloads(repo.requests())).toBe(1);
    expect(listings(repo.requests())).toBe(2);
    expect(repo.requests().length).toBe(3);

    // Idle, well past the 30 s proof TTL but inside the Sync's interval: no request.
    now += 45_000;
    const before = repo.requests().length;
    await Promise.all(Array.from({ length: 12 }, (_, i) => reconcile(i % 2 ? 'a' : 'b')));
    expect(repo.requests().length).toBe(before);

    // A push, seen at the next interval: one listing, one download for all.
    const second = await commitTree(repo.path, { 'a/x.yaml': 'x: 2\n', 'b/y.yaml': 'y: 2\n' });
    now += 20_000;
    await Promise.all(Array.from({ length: 12 }, (_, i) => reconcile(i % 2 ? 'a' : 'b')));
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, good, interval)).toBe(second);
    const pushed = repo.requests().slice(before);
    expect(listings(pushed)).toBe(1);
    expect(downloads(pushed)).toBe(1);
  });
});

describe('oldestAccepted', () => {
  it.each([
    [undefined, 1000],
    [{ maxAgeMs: 300 }, 700],
    [{ maxAgeMs: 300, notBefore: 900 }, 900],
    [{ maxAgeMs: 300, notBefore: 100 }, 700],
    [{ notBefore: 500 }, 1000],
  ])('%j at 1000 -> %d', (freshness, oldest) => {
    expect(oldestAccepted(1000, freshness)).toBe(oldest);
  });
});
