// The test Gitea itself: the real server built from its Go module, started on loopback with an admin
// and token from its own CLI; a repository seeded through the API, a push with real git, a pull
// request opened, guarded by its head sha and merged through the API.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../git-server/run-git.js';
import { startGitea, type TestGitea } from './start-gitea.js';

interface ApiPull { number: number; state: string; merged: boolean; merge_commit_sha: string | null; head: { ref: string; sha: string }; base: { ref: string } }

describe('startGitea', () => {
  let gitea: TestGitea;
  beforeAll(async () => {
    gitea = await startGitea();
  }, 120_000);
  afterAll(async () => {
    await gitea?.close();
  });

  it('serves the built version on loopback; the token is the admin and other tokens are refused', async () => {
    expect(gitea.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gitea.version).toBe('1.27.3');
    const me = await gitea.api<{ login: string; is_admin: boolean }>('GET', '/user');
    expect(me).toMatchObject({ login: 'ferry-admin', is_admin: true });
    const refused = await gitea.request('GET', '/user', undefined, '0'.repeat(40));
    expect(refused.status).toBe(401);
  });

  it('seeds a repository, takes a push over HTTP, opens a pull request and merges it guarded by the head sha', async () => {
    const repo = await gitea.createRepo('config', { files: { 'envs/dev/app.yaml': 'image: web:1.0.0\n' } });
    const file = await gitea.api<{ content: string }>('GET', `/repos/${repo.fullName}/contents/envs/dev/app.yaml?ref=main`);
    expect(Buffer.from(file.content, 'base64').toString()).toBe('image: web:1.0.0\n');

    const work = await mkdtemp(join(tmpdir(), 'ferry-gitea-clone-'));
    const auth = ['-c', `http.extraHeader=Authorization: ${gitea.gitAuthHeader()}`];
    expect((await runGit([...auth, 'clone', '-q', repo.cloneUrl, work])).code).toBe(0);
    await writeFile(join(work, 'envs/dev/app.yaml'), 'image: web:1.1.0\n');
    await runGit(['-C', work, 'checkout', '-q', '-b', 'ferry/dev/web']);
    await runGit(['-C', work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'web 1.1.0']);
    const push = await runGit([...auth, '-C', work, 'push', '-q', 'origin', 'ferry/dev/web']);
    expect(push.code, push.stderr).toBe(0);
    const headSha = (await runGit(['-C', work, 'rev-parse', 'HEAD'])).stdout.trim();

    const unauthenticated = await runGit(['-C', work, 'push', '-q', repo.cloneUrl, 'HEAD:refs/heads/other'], { env: { GIT_TERMINAL_PROMPT: '0' } });
    expect(unauthenticated.code).not.toBe(0);

    const pr = await gitea.api<ApiPull>('POST', `/repos/${repo.fullName}/pulls`, { head: 'ferry/dev/web', base: 'main', title: 'web 1.1.0', body: 'promote' });
    expect(pr).toMatchObject({ state: 'open', merged: false, head: { ref: 'ferry/dev/web', sha: headSha }, base: { ref: 'main' } });

    // A stale head sha is refused (409); the right one merges. 405 means Gitea is still computing
    // whether the PR can merge: poll the merge endpoint's own answer (bounded).
    const merge = async (sha: string): Promise<Response> => {
      for (let attempt = 1; ; attempt++) {
        const response = await gitea.request('POST', `/repos/${repo.fullName}/pulls/${pr.number}/merge`, { Do: 'merge', head_commit_id: sha });
        if (response.status !== 405 || attempt >= 100) return response;
        await response.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const stale = await merge('0'.repeat(40));
    expect(stale.status).toBe(409);
    const merged = await merge(headSha);
    expect(merged.status, await merged.clone().text()).toBe(200);
    const after = await gitea.api<ApiPull>('GET', `/repos/${repo.fullName}/pulls/${pr.number}`);
    expect(after.merged).toBe(true);
    const main = await gitea.api<{ commit: { id: string } }>('GET', `/repos/${repo.fullName}/branches/main`);
    expect(main.commit.id).toBe(after.merge_commit_sha);
  }, 60_000);

  it('creates plain users whose tokens cannot administer', async () => {
    const user = await gitea.createUser('dev1');
    const denied = await gitea.request('GET', '/admin/users', undefined, user.token);
    expect(denied.status).toBe(403);
  });
});
