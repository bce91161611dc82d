// Promoter-side git faults against real git http-backend: the server down, slow, answering 5xx,
// and cutting the connection mid-pack, during the promoter's fetch and its push. Each run either
// lands exactly one promotion commit (retried) or fails with a clear transient error and leaves
// the branch where it was; git's own fsck checks nothing half-written is reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { expectNoSecrets, runGit, startGitServer, TEST_GIT_PASSWORD, type GitServer } from '@ferry/testenv';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { promote, type PromoteResult } from './promote.js';
import { fastRetry, realClock, seedConfigRepo } from './test/promote-fixtures.js';

const auth = { username: 'ci', password: TEST_GIT_PASSWORD };

describe('promote --push direct when the git server misbehaves', () => {
  let server: GitServer;
  let n = 0;
  /** Everything the promoter said (progress and errors): scanned for the password at the end. */
  const said: string[] = [];
  beforeAll(async () => {
    server = await startGitServer({ auth: { basic: [auth] } });
  });
  afterAll(async () => {
    expectNoSecrets(said.join('\n'), 'promoter progress and error messages');
    await server?.close();
  });

  async function newRepo(): Promise<{ name: string; url: string; base: string }> {
    const name = `acme/faults${n++}`;
    const { url } = await server.createRepo(name, { seed: seedConfigRepo(['web']) });
    return { name, url, base: await headOf(name) };
  }

  /** Promotes web to `tag` in dev; `onProgress` lets a test act at a precise step. */
  async function promoteWeb(url: string, tag: string, options: { requestTimeoutMs?: number; onProgress?: (m: string) => void } = {}): Promise<PromoteResult> {
    const repo = await openGitWorkspace({ url, auth, ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}) });
    try {
      return await promote({
        repo, push: 'direct', clock: realClock, retry: fastRetry, env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag },
        onProgress: (m) => { said.push(m); options.onProgress?.(m); },
      });
    } catch (err) {
      said.push(String(err), (err as FerryError).hint ?? '');
      throw err;
    } finally {
      await repo.close();
    }
  }

  const headOf = async (name: string) => (await runGit(['--git-dir', server.repoPath(name), 'rev-parse', 'main'])).stdout.trim();

  /** main's promotion commits since `base`, newest first, and a strict fsck of the bare repo. */
  async function history(name: string, base: string): Promise<string[]> {
    const gitDir = server.repoPath(name);
    const fsck = await runGit(['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling']);
    expect(fsck.code, fsck.stderr).toBe(0);
    const log = await runGit(['--git-dir', gitDir, 'log', '--format=%s', `${base}..main`]);
    return log.stdout.split('\n').filter(Boolean);
  }

  const expectGaveUp = (err: unknown) => {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('git.retries-exhausted');
    expect((err as FerryError).hint).toContain('nothing was changed');
  };

  it('server down (connection refused) while fetching: retried until it is back', async () => {
    const { name, url, base } = await newRepo();
    await server.refuseConnections();
    const result = await promoteWeb(url, '1.1.0', {
      // Back up once the promoter has seen the refusal and is retrying.
      onProgress: (m) => { if (m.endsWith('; retrying')) void server.acceptConnections(); },
    }).finally(() => server.acceptConnections());
    expect(result.outcome).toBe('promoted');
    expect(said.some((m) => /ECONNREFUSED|connect/i.test(m) && m.endsWith('; retrying'))).toBe(true);
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.1.0']);
  });

  it('server down for good: a transient error after the retry budget, nothing pushed', async () => {
    const { url } = await newRepo();
    await server.refuseConnections();
    const err = await promoteWeb(url, '1.1.0').catch((e: unknown) => e).finally(() => server.acceptConnections());
    expectGaveUp(err);
  });

  it('server gone between fetch and push: the push is retried on a fresh fetch and lands once', async () => {
    const { name, url, base } = await newRepo();
    let refused = false;
    const result = await promoteWeb(url, '1.2.0', {
      onProgress: (m) => {
        // close() stops listening and drops open (keep-alive) connections before the push is sent.
        if (m.startsWith('pushing') && !refused) { refused = true; void server.refuseConnections(); }
        if (m.endsWith('; retrying')) void server.acceptConnections();
      },
    }).finally(() => server.acceptConnections());
    expect(refused).toBe(true);
    expect(result.outcome).toBe('promoted');
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.2.0']);
  });

  it('receive-pack accepting and dropping every connection: gives up, main untouched', async () => {
    const { name, url, base } = await newRepo();
    const down = server.faults.inject({ kind: 'down', repo: name, service: 'receive-pack' });
    const err = await promoteWeb(url, '1.3.0').catch((e: unknown) => e);
    down.off();
    expectGaveUp(err);
    expect(down.hits).toBeGreaterThanOrEqual(4);
    expect(await history(name, base)).toEqual([]);
  });

  it('slow server within the request timeout: lands', async () => {
    const { name, url, base } = await newRepo();
    const slow = server.faults.inject({ kind: 'latency', ms: 300, repo: name });
    const result = await promoteWeb(url, '1.4.0', { requestTimeoutMs: 10_000 });
    slow.off();
    expect(result.outcome).toBe('promoted');
    expect(slow.hits).toBeGreaterThanOrEqual(2);
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.4.0']);
  });

  it('a push slower than the request timeout is abandoned, not applied later, and retried', async () => {
    const { name, url, base } = await newRepo();
    // The server holds the push past the client's timeout; the client gives up and the server,
    // finding the connection closed, never runs receive-pack for it.
    const stall = server.faults.inject({ kind: 'latency', ms: 3_000, repo: name, service: 'receive-pack', stage: 'rpc', times: 1 });
    const result = await promoteWeb(url, '1.5.0', { requestTimeoutMs: 1_000 });
    expect(stall.hits).toBe(1);
    expect(result.outcome).toBe('promoted');
    expect(said.some((m) => /no answer from .* within 1000 ms; retrying/.test(m))).toBe(true);
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.5.0']);
  });

  // Node's global agent drops a socket silent for 5 s; the workspace uses keep-alive agents of its own.
  it('a server that needs 6 s to start an answer is waited for, not timed out (request timeout 60 s)', async () => {
    const { name, url, base } = await newRepo();
    const slow = server.faults.inject({ kind: 'latency', ms: 6_000, repo: name, service: 'upload-pack', stage: 'rpc', times: 1 });
    const from = said.length;
    const result = await promoteWeb(url, '1.4.5', { requestTimeoutMs: 60_000 });
    expect(slow.hits).toBe(1);
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.4.5']);
    expect(result.outcome).toBe('promoted');
    // With the global agent, the slow request was dropped after 5 s (status 0: closed without an answer).
    expect(server.requests.filter((r) => r.repo === name && r.status === 0)).toEqual([]);
    expect(said.slice(from).filter((m) => m.endsWith('; retrying'))).toEqual([]);
  }, 60_000);

  it('5xx while fetching: retried; the advertisement and the pack request both recover', async () => {
    const { name, url, base } = await newRepo();
    const fault = server.faults.inject({ kind: 'status', status: 500, repo: name, service: 'upload-pack', times: 3 });
    const result = await promoteWeb(url, '1.6.0');
    expect(fault.hits).toBe(3);
    expect(result.outcome).toBe('promoted');
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.6.0']);
  });

  it('push cut mid-pack: no half-updated ref, retried, lands once', async () => {
    const { name, url, base } = await newRepo();
    // The ref-update command line and flush take ~150 bytes; 200 cuts inside the pack that follows.
    const cut = server.faults.inject({ kind: 'cut', direction: 'request', afterBytes: 200, repo: name, service: 'receive-pack', times: 1 });
    const result = await promoteWeb(url, '1.7.0');
    expect(cut.hits).toBe(1);
    expect(result.outcome).toBe('promoted');
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.7.0']);
  });

  it('every push cut mid-pack: gives up with main exactly where it was and the repository sound', async () => {
    const { name, url, base } = await newRepo();
    const cut = server.faults.inject({ kind: 'cut', direction: 'request', afterBytes: 200, repo: name, service: 'receive-pack' });
    const err = await promoteWeb(url, '1.8.0').catch((e: unknown) => e);
    cut.off();
    expectGaveUp(err);
    expect(cut.hits).toBeGreaterThanOrEqual(4);
    expect(await headOf(name)).toBe(base);
    expect(await history(name, base)).toEqual([]);
  });

  it('fetch cut mid-pack: retried, lands once', async () => {
    const { name, url, base } = await newRepo();
    // ls-refs answers stay under 2,000 bytes... the seed's pack is bigger: cut inside the pack.
    const cut = server.faults.inject({ kind: 'cut', afterBytes: 600, repo: name, service: 'upload-pack', times: 1 });
    const result = await promoteWeb(url, '1.9.0');
    expect(cut.hits).toBe(1);
    expect(result.outcome).toBe('promoted');
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 1.9.0']);
  });

  async function promoteThroughCutAnswer(): Promise<{ name: string; base: string; result: PromoteResult }> {
    const { name, url, base } = await newRepo();
    // receive-pack answers only after updating the ref: cutting its first bytes loses the verdict, not the push.
    const cut = server.faults.inject({ kind: 'cut', direction: 'response', afterBytes: 0, repo: name, service: 'receive-pack', stage: 'rpc', times: 1 });
    const result = await promoteWeb(url, '2.0.0');
    expect(cut.hits).toBe(1);
    return { name, base, result };
  }

  it('answer cut after the server applied the push: the retry finds it landed and adds no second commit', async () => {
    const { name, base } = await promoteThroughCutAnswer();
    expect(await history(name, base)).toEqual(['promote web to dev: 1.0.0 -> 2.0.0']);
    expect((await runGit(['--git-dir', server.repoPath(name), 'show', 'main:envs/dev/web.yaml'])).stdout).toContain('ghcr.io/acme/web:2.0.0');
  });

  // The retry sees main already at 2.0.0: without remembering the unconfirmed push it would report
  // "unchanged" with no commit, and CI would believe nothing was deployed.
  it('answer cut after the server applied the push: the run still reports it promoted, with the commit', async () => {
    const { name, result } = await promoteThroughCutAnswer();
    expect(result).toMatchObject({ outcome: 'promoted', changed: true, commit: await headOf(name) });
  });
});
