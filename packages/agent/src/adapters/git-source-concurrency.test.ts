import { FerryError } from '@ferry/manifest-model';
import { startGitServer, type GitServer } from '@ferry/testenv';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree } from '../test/git-fixture.js';
import { IsomorphicGitSource } from './git-source.js';

// Syncs of one repository reconcile at the same time and share one store per repository. Two
// isomorphic-git writers in one store used to lose: one found no remote (another was still
// creating the store) or its commit missing after fetching (a pack index read while another fetch
// was writing it). It showed as two Syncs of one repository Stalled with FetchFailed on a fresh
// agent. Real `git http-backend`, real isomorphic-git; each round starts from an empty store,
// where the race was; without the fix about one fetch in four failed here.
let server: GitServer;
let tmp: string;
beforeAll(async () => {
  server = await startGitServer();
  tmp = await mkdtemp(join(tmpdir(), 'ferry-git-concurrent-'));
});
afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('IsomorphicGitSource, Syncs of one repository fetching at once', () => {
  it('every Sync gets its commit, same branch or not, into one fresh store', async () => {
    const repo = await server.createRepo('acme/shared');
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`apps/f${i}.yaml`, `v: ${i}\n`.repeat(50)]));
    const main = await commitTree(repo.path, files, 'main');
    const other = await commitTree(repo.path, { ...files, 'other.yaml': 'o: 1\n' }, 'other');
    const syncs = [{ branch: 'main', commit: main }, { branch: 'other', commit: other }, { branch: 'main', commit: main }, { branch: 'other', commit: other }];
    const failures: string[] = [];
    for (let round = 0; round < 10; round++) {
      const source = new IsomorphicGitSource({ cacheDir: join(tmp, `round-${round}`) });
      const results = await Promise.allSettled(syncs.map(async ({ branch, commit }) => {
        expect(await source.resolveRemote(repo.url, { branch })).toBe(commit);
        await source.fetchCommit(repo.url, { branch }, commit);
        return (await source.readFiles(repo.url, commit, '')).length;
      }));
      for (const result of results) failures.push(...(result.status === 'rejected' ? [String(result.reason)] : []));
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual(expect.arrayContaining([300, 301]));
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('a branch that moves between listing and fetching is retried (source.ref-moved), not stalled', async () => {
    const repo = await server.createRepo('acme/moving');
    const listed = await commitTree(repo.path, { 'a.yaml': 'a: 1\n' });
    const source = new IsomorphicGitSource({ cacheDir: join(tmp, 'moving') });
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, undefined, { maxAgeMs: 3_600_000 })).toBe(listed);
    // A push lands before the fetch: a shallow first fetch brings only the new head.
    const pushed = await commitTree(repo.path, { 'a.yaml': 'a: 2\n' });
    const error = await source.fetchCommit(repo.url, { branch: 'main' }, listed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('source.ref-moved');
    expect((error as FerryError).message).toContain('refs/heads/main moved away from');
    // The retry lists again and gets the new head.
    const { isAgentErrorCode, errorClasses } = await import('../reconcile/error-outcome.js');
    expect(isAgentErrorCode('source.ref-moved') && errorClasses['source.ref-moved'].outcome).toBe('Transient');
    // ... even when the caller would accept an hour-old listing: the one naming the old head is gone.
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, undefined, { maxAgeMs: 3_600_000 })).toBe(pushed);
    await source.fetchCommit(repo.url, { branch: 'main' }, pushed);
    expect((await source.readFiles(repo.url, pushed, '')).map((f) => f.content.toString())).toEqual(['a: 2\n']);
  });
});
