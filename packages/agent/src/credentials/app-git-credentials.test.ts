// The agent's GitHub App credentials wrapper keeps the daemon's ref freshness (issue 14): Syncs
// without a secretRef share one ref listing per interval with the app's token, as Syncs with the
// same Secret do. Real `git http-backend` with basic auth, counting requests.
import { startGitServer, TEST_GIT_PASSWORD, type GitServer } from '@ferry/testenv';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsomorphicGitSource } from '../adapters/git-source.js';
import { withRefFreshness } from '../adapters/ref-cache.js';
import { commitTree } from '../test/git-fixture.js';
import { hostOfUrl } from '../sync/git-credentials-policy.js';
import { withAgentGitCredentials } from './app-git-credentials.js';

let server: GitServer;
let cacheDir: string;
beforeAll(async () => {
  server = await startGitServer({ auth: { basic: [{ username: 'x-access-token', password: TEST_GIT_PASSWORD }] } });
  cacheDir = await mkdtemp(join(tmpdir(), 'ferry-app-creds-'));
});
afterAll(async () => {
  await server?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('withAgentGitCredentials', () => {
  it('passes the freshness on: ten reconciles of Syncs without a secretRef make one ref listing with the app token', async () => {
    const repo = await server.createRepo('acme/app-fleet');
    const head = await commitTree(repo.path, { 'a/x.yaml': 'x: 1\n' });
    const source = withAgentGitCredentials(new IsomorphicGitSource({ cacheDir }), { tokens: { token: async () => TEST_GIT_PASSWORD }, hosts: [hostOfUrl(repo.url)!] });
    const reconcile = withRefFreshness(source, { maxAgeMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      expect(await reconcile.resolveRemote(repo.url, { branch: 'main' })).toBe(head);
      await reconcile.fetchCommit(repo.url, { branch: 'main' }, head);
    }
    const requests = server.requests.filter((r) => r.repo === 'acme/app-fleet');
    expect(requests.every((r) => r.authUser === 'x-access-token')).toBe(true);
    // One listing, then the one download (protocol v2: its own ls-refs, then the fetch).
    expect(requests.map((r) => `${r.method} ${r.command}`)).toEqual(['POST ls-refs', 'POST ls-refs', 'POST fetch']);
  });
});
