// The shared git cache hands out objects only to credentials that just proved access (issue 17,
// bug 2), credentials go only to the hosts their Secret names, and what a failing server says
// reaches an error only as a short redacted excerpt. Real `git http-backend` with basic auth.
import { startGitServer, TEST_GIT_PASSWORD, TEST_WRONG_GIT_PASSWORD, type GitServer } from '@ferry/testenv';
import { FerryError } from '@ferry/manifest-model';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTree, tagCommit } from '../test/git-fixture.js';
import { IsomorphicGitSource, type GitCredentials } from './git-source.js';

let server: GitServer;
let cacheDir: string;
let counter = 0;

const good: GitCredentials = { username: 'agent', password: TEST_GIT_PASSWORD };
const wrong: GitCredentials = { username: 'agent', password: TEST_WRONG_GIT_PASSWORD };

beforeAll(async () => {
  server = await startGitServer({ auth: { basic: [{ username: 'agent', password: TEST_GIT_PASSWORD }] } });
  cacheDir = await mkdtemp(join(tmpdir(), 'ferry-git-access-'));
});
afterAll(async () => {
  await server?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

/** A private repository whose commit `good` credentials already put into the shared cache. */
async function cachedPrivateRepo(source: IsomorphicGitSource) {
  const repo = await server.createRepo(`acme/private-${++counter}`);
  const commit = await commitTree(repo.path, { 'app/secret-config.yaml': 'db: internal\n' });
  await tagCommit(repo.path, 'v1', commit);
  expect(await source.resolveRemote(repo.url, { branch: 'main' }, good)).toBe(commit);
  await source.fetchCommit(repo.url, { branch: 'main' }, commit, good);
  expect((await source.readFiles(repo.url, commit, 'app')).map((f) => f.path)).toEqual(['app/secret-config.yaml']);
  return { ...repo, commit, name: `acme/private-${counter}` };
}

const requestsTo = (repo: string) => server.requests.filter((r) => r.repo === repo);

async function refusal(work: Promise<unknown>): Promise<FerryError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FerryError);
  return error as FerryError;
}

describe('a commit in the shared cache is handed out only to proven access', () => {
  it('refuses a Sync without credentials, or with wrong ones, pinned to a commit another Sync fetched', async () => {
    let now = 1_000_000;
    const source = new IsomorphicGitSource({ cacheDir, now: () => now });
    const repo = await cachedPrivateRepo(source);
    for (const credentials of [undefined, wrong]) {
      const before = requestsTo(repo.name).length;
      // The reconcile's order: resolve (for a commit ref: the access check), then fetch.
      const resolved = await refusal(source.resolveRemote(repo.url, { commit: repo.commit }, credentials));
      expect(resolved.code).toBe('source.auth');
      expect(resolved.message).toMatch(credentials ? /refused the credentials \(HTTP 401/ : /requires credentials \(HTTP 401.*sends none/);
      expect(resolved.message).toContain('nothing was read from the cache or applied');
      // Even called straight away, without the resolve, the fetch does not hand out the cached commit.
      const fetched = await refusal(source.fetchCommit(repo.url, { commit: repo.commit }, repo.commit, credentials));
      expect(fetched.code).toBe('source.auth');
      const asked = requestsTo(repo.name).slice(before);
      expect(asked.length).toBeGreaterThanOrEqual(2);
      expect(asked.every((r) => r.status === 401)).toBe(true);
      expect(asked.every((r) => r.authUser === (credentials ? 'agent' : undefined))).toBe(true);
      expect(`${resolved.message} ${fetched.message}`).not.toContain(TEST_WRONG_GIT_PASSWORD);
    }
    // Time passing does not turn another Sync's proof into this one's.
    now += 1_000;
    expect((await refusal(source.fetchCommit(repo.url, { commit: repo.commit }, repo.commit, undefined))).code).toBe('source.auth');
  });

  it('refuses them for a branch and a tag too', async () => {
    const source = new IsomorphicGitSource({ cacheDir });
    const repo = await cachedPrivateRepo(source);
    for (const ref of [{ branch: 'main' }, { tag: 'v1' }]) {
      for (const credentials of [undefined, wrong]) {
        expect((await refusal(source.resolveRemote(repo.url, ref, credentials))).code).toBe('source.auth');
        expect((await refusal(source.fetchCommit(repo.url, ref, repo.commit, credentials))).code).toBe('source.auth');
      }
    }
  });

  it('a rotated (now wrong) password loses access at once; revoked access within the proof TTL', async () => {
    let now = 5_000_000;
    const source = new IsomorphicGitSource({ cacheDir, now: () => now, accessProofTtlMs: 30_000 });
    const repo = await cachedPrivateRepo(source);
    // The same Sync a moment later: proven, no request.
    let before = requestsTo(repo.name).length;
    await source.fetchCommit(repo.url, { commit: repo.commit }, repo.commit, good);
    expect(requestsTo(repo.name).length).toBe(before);
    // Its Secret rotated to a wrong password: other credentials, no proof, refused.
    expect((await refusal(source.resolveRemote(repo.url, { commit: repo.commit }, wrong))).code).toBe('source.auth');
    expect((await refusal(source.fetchCommit(repo.url, { commit: repo.commit }, repo.commit, wrong))).code).toBe('source.auth');
    // After the TTL even the right credentials ask again: one ls-refs, answered 200.
    now += 30_000;
    before = requestsTo(repo.name).length;
    await source.fetchCommit(repo.url, { commit: repo.commit }, repo.commit, good);
    const asked = requestsTo(repo.name).slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((r) => r.status === 200 && r.authUser === 'agent')).toBe(true);
  });

  it('reports a 404 (how hosts hide private repositories) as stalled, naming the credentials', async () => {
    const source = new IsomorphicGitSource({ cacheDir });
    const error = await refusal(source.resolveRemote(server.repoUrl('acme/absent'), { branch: 'main' }, good));
    expect(error.code).toBe('source.repo-not-found');
    expect(error.message).toMatch(/repository not found, or not readable with this Sync's credentials \(HTTP 404/);
  });
});

describe('credentials go only to the hosts their Secret names', () => {
  it('sends nothing when the URL host is not on the list', async () => {
    const source = new IsomorphicGitSource({ cacheDir });
    const repo = await server.createRepo(`acme/hosts-${++counter}`);
    const commit = await commitTree(repo.path, { 'a.yaml': 'a\n' });
    const port = new URL(server.url).port;
    const before = server.requests.length;
    for (const hosts of [['git.example.com:443'], [`localhost:${port}`], [`127.0.0.1:${Number(port) + 1}`]]) {
      const error = await refusal(source.resolveRemote(repo.url, { branch: 'main' }, { ...good, hosts }));
      expect(error.code).toBe('sync.secret-host-denied');
      expect(error.message).toContain('nothing was sent');
    }
    // A URL parsers read differently: WHATWG sees git.example.com, isomorphic-git strips
    // "git.example.com\" as user info and connects to 127.0.0.1. The request itself is checked.
    const tricky = `http://git.example.com\\@127.0.0.1:${port}/${repo.url.split('/').slice(3).join('/')}`;
    expect((await refusal(source.resolveRemote(tricky, { branch: 'main' }, { ...good, hosts: ['git.example.com:80'] }))).code).toBe('sync.secret-host-denied');
    expect(server.requests.length).toBe(before);
    expect(await source.resolveRemote(repo.url, { branch: 'main' }, { ...good, hosts: [`127.0.0.1:${port}`] })).toBe(commit);
  });
});

describe('what a failing git server says reaches the error only as a short redacted excerpt', () => {
  it('a 500 with a long body: status line, at most 200 characters on one line, no secret, no internal host', async () => {
    const source = new IsomorphicGitSource({ cacheDir });
    const repo = await server.createRepo(`acme/broken-${++counter}`);
    await commitTree(repo.path, { 'a.yaml': 'a\n' });
    const body = [
      'upstream error\r\n<html><body><h1>Internal error</h1>',
      'connecting to postgres://app:hunter2@db-primary.prod.corp.internal:5432 failed',
      'password=It5-a-s3cret api_key: AKIAIOSFODNN7EXAMPLE',
      `token ${'x9'.repeat(20)} at vault.infra.svc.cluster.local from 10.12.0.7`,
      'metadata: http://169.254.169.254/latest/meta-data/iam/security-credentials/admin',
      'x'.repeat(5_000),
      'secret tail ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    ].join('\n');
    const fault = server.faults.inject({ kind: 'status', status: 500, repo: `acme/broken-${counter}`, message: body });
    try {
      const error = await refusal(source.resolveRemote(repo.url, { branch: 'main' }, good));
      expect(error.code).toBe('source.unavailable');
      expect(error.message).toMatch(/the git server answered HTTP 500 Internal Server Error: upstream error/);
      const excerpt = error.message.slice(error.message.indexOf('Internal Server Error: ') + 'Internal Server Error: '.length);
      expect(excerpt.length).toBeLessThanOrEqual(200);
      expect(error.message).not.toMatch(/[\r\n]/);
      for (const leak of ['hunter2', 'It5-a-s3cret', 'AKIAIOSFODNN7EXAMPLE', 'x9x9x9', 'db-primary', 'corp.internal', 'vault.infra', '10.12.0.7', '169.254.169.254', 'ghp_', '<h1>']) {
        expect(error.message).not.toContain(leak);
      }
      expect(fault.hits).toBeGreaterThan(0);
    } finally {
      fault.off();
    }
  });

  it('an internal endpoint that is not a git server (200 with a page): an excerpt of the page, no secret', async () => {
    const page = [
      '<html><head><title>Admin</title></head><body>',
      'Grafana at grafana.monitoring.svc.cluster.local, db user=app password=It5-a-s3cret',
      `aws_secret_access_key=${'Qx7'.repeat(14)} host 10.0.3.4`,
      'y'.repeat(4_000),
      '</body></html>',
    ].join('\n');
    const internal = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page);
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/admin`;
      const error = await refusal(new IsomorphicGitSource({ cacheDir }).resolveRemote(url, { branch: 'main' }));
      for (const leak of ['grafana.monitoring', 'It5-a-s3cret', 'Qx7Qx7', '10.0.3.4', '<title>']) expect(error.message).not.toContain(leak);
      expect(error.code).toBe('source.not-git');
      expect(error.message).toMatch(/did not answer as a git smart-HTTP server; it sent: Admin Grafana at \*\*\*/);
      expect(error.message.length).toBeLessThan(400);
      expect(error.message).not.toMatch(/[\r\n]/);
    } finally {
      await new Promise<void>((resolve) => internal.close(() => resolve()));
    }
  });
});
