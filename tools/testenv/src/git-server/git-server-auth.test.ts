import * as fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../index.js';
import { runGit } from './run-git.js';

const password = 's3cret-pass-word';
const token = 'ghs_testtoken0123456789';
let server: GitServer;
let work: string;
let repoUrl: string;
let repoPath: string;

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const withCredentials = (url: string, user: string, pass: string) => url.replace('http://', `http://${user}:${pass}@`);

beforeAll(async () => {
  server = await startGitServer({ auth: { basic: [{ username: 'ci', password }], bearer: [token] } });
  ({ url: repoUrl, path: repoPath } = await server.createRepo('acme/private', { seed: { 'a.txt': 'a\n' } }));
  work = await mkdtemp(join(tmpdir(), 'ferry-git-auth-'));
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe('auth', () => {
  it('answers 401 with both challenges when credentials are missing or wrong', async () => {
    for (const authorization of [undefined, basic('ci', 'wrong'), basic('other', password), 'Bearer nope', 'Digest x']) {
      const response = await fetch(`${repoUrl}/info/refs?service=git-upload-pack`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/Basic realm=.*Bearer realm=/);
    }
    const ok = await fetch(`${repoUrl}/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
  });

  it('refuses native git without or with wrong credentials, and accepts basic and bearer', async () => {
    const none = await runGit(['ls-remote', repoUrl]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/could not read Username|Authentication failed/);
    const wrong = await runGit(['ls-remote', withCredentials(repoUrl, 'ci', 'nope')]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed/);

    const dir = join(work, 'native');
    const clone = await runGit(['clone', withCredentials(repoUrl, 'ci', password), dir]);
    expect(clone.code, clone.stderr).toBe(0);
    await writeFile(join(dir, 'b.txt'), 'b\n');
    await runGit(['add', 'b.txt'], { cwd: dir });
    await runGit(['commit', '-q', '-m', 'b'], { cwd: dir });
    // Push with the bearer token only, as a CI job with a GitHub App token would.
    const push = await runGit(['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', repoUrl, 'HEAD:main'], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    const local = (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    expect((await runGit(['--git-dir', repoPath, 'rev-parse', 'main'])).stdout.trim()).toBe(local);
  });

  it('refuses isomorphic-git without credentials and accepts a header or onAuth', async () => {
    await expect(git.getRemoteInfo2({ http, url: repoUrl })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 401 } });
    await expect(
      git.getRemoteInfo2({ http, url: repoUrl, headers: { authorization: basic('ci', 'wrong') } }),
    ).rejects.toMatchObject({ data: { statusCode: 401 } });
    const refs = await git.listServerRefs({ http, url: repoUrl, protocolVersion: 2, headers: { authorization: `Bearer ${token}` } });
    expect(refs.find((r) => r.ref === 'refs/heads/main')?.oid).toMatch(/^[0-9a-f]{40}$/);
    const dir = join(work, 'iso');
    await git.clone({ fs, http, dir, url: repoUrl, onAuth: () => ({ username: 'ci', password }) });
    expect(fs.existsSync(join(dir, 'a.txt'))).toBe(true);
  });

  it('never writes a credential into the request log', () => {
    const log = JSON.stringify(server.requests);
    expect(server.requests.some((r) => r.status === 401)).toBe(true);
    expect(log).not.toContain(password);
    expect(log).not.toContain(token);
    expect(log).not.toContain(Buffer.from(`ci:${password}`).toString('base64'));
  });
});
