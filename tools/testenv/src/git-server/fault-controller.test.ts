// Each fault is observed by a real client; each test also checks the fault fired (hits, request log)
// and that the server works again once the fault is off, so a fault that did not happen fails here.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../index.js';
import { runGit } from './run-git.js';

let server: GitServer;
let work: string;
let small: { url: string; path: string };
let big: { url: string; path: string };
let counter = 0;
const author = { name: 'Ferry Test', email: 'test@ferry.invalid' };
const freshDir = () => join(work, `c${++counter}`);

beforeAll(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'ferry-git-faults-'));
  small = await server.createRepo('acme/small', { seed: { 'a.txt': 'a\n' } });
  // Incompressible content, so the fetch pack is far larger than any cut threshold below.
  big = await server.createRepo('acme/big', { seed: { 'blob.txt': randomBytes(300_000).toString('base64') } });
});
afterEach(() => server.faults.clear());
let closed = false;
afterAll(async () => {
  if (!closed) await server.close();
  await rm(work, { recursive: true, force: true });
});

async function serverHead(path: string): Promise<string> {
  return (await runGit(['--git-dir', path, 'rev-parse', 'refs/heads/main'])).stdout.trim();
}

/** Clones and commits one change, ready to push. */
async function cloneWithCommit(url: string, content: string): Promise<string> {
  const dir = freshDir();
  expect((await runGit(['clone', '-q', url, dir])).code).toBe(0);
  await writeFile(join(dir, 'change.txt'), content);
  await runGit(['add', 'change.txt'], { cwd: dir });
  await runGit(['commit', '-q', '-m', 'change'], { cwd: dir });
  return dir;
}

describe('latency', () => {
  it('delays native and isomorphic-git requests by at least the configured time', async () => {
    const fault = server.faults.inject({ kind: 'latency', ms: 400, repo: 'acme/small' });
    let started = Date.now();
    expect((await runGit(['ls-remote', small.url])).code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    started = Date.now();
    await git.listServerRefs({ http, url: small.url, protocolVersion: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(fault.hits).toBeGreaterThanOrEqual(2);
    expect(server.requests.at(-1)?.faults).toContain('latency');
  });
});

describe('HTTP status', () => {
  it('fails a native fetch with the injected 503, then switches itself off after `times`', async () => {
    const fault = server.faults.inject({ kind: 'status', status: 503, times: 1 });
    const failed = await runGit(['ls-remote', small.url]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/503/);
    expect(fault.hits).toBe(1);
    expect(fault.active).toBe(false);
    expect((await runGit(['ls-remote', small.url])).code).toBe(0);
  });

  it('fails isomorphic-git with an HttpError carrying the status, only for the chosen service', async () => {
    const fault = server.faults.inject({ kind: 'status', status: 500, service: 'receive-pack' });
    await git.listServerRefs({ http, url: small.url }); // fetch side unaffected
    await expect(git.getRemoteInfo({ http, url: small.url, forPush: true })).rejects.toMatchObject({
      code: 'HttpError',
      data: { statusCode: 500 },
    });
    expect(fault.hits).toBe(1);
    expect(server.requests.at(-1)).toMatchObject({ service: 'receive-pack', status: 500, faults: ['status'] });
  });

  it('answers a push whose pack is still uploading with the status, and the ref stays', async () => {
    const dir = await cloneWithCommit(small.url, randomBytes(300_000).toString('base64'));
    const before = await serverHead(small.path);
    const fault = server.faults.inject({ kind: 'status', status: 502, service: 'receive-pack', stage: 'rpc', times: 1 });
    const failed = await runGit(['push', 'origin', 'main'], { cwd: dir });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/502/);
    expect(fault.hits).toBe(1);
    expect(await serverHead(small.path)).toBe(before);
    expect((await runGit(['push', 'origin', 'main'], { cwd: dir })).code).toBe(0);
  });
});

describe('connection cut mid-pack', () => {
  it('breaks a native clone after the first bytes of the pack, then clones fine when off', async () => {
    const fault = server.faults.inject({ kind: 'cut', afterBytes: 8192, service: 'upload-pack', times: 1 });
    const failed = await runGit(['clone', big.url, freshDir()]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/early EOF|RPC failed|transfer closed|unexpected disconnect|curl/i);
    expect(fault.hits).toBe(1);
    expect(server.requests.filter((r) => r.faults.includes('cut'))).toHaveLength(1);
    expect((await runGit(['clone', '-q', big.url, freshDir()])).code).toBe(0);
  });

  it('breaks an isomorphic-git clone', async () => {
    const fault = server.faults.inject({ kind: 'cut', afterBytes: 8192, repo: 'acme/big' });
    await expect(git.clone({ fs, http, dir: freshDir(), url: big.url })).rejects.toThrow();
    expect(fault.hits).toBe(1);
  });

  it('cuts a push while its pack is uploading, and the server keeps its old head', async () => {
    const dir = await cloneWithCommit(small.url, randomBytes(200_000).toString('base64'));
    const before = await serverHead(small.path);
    const fault = server.faults.inject({ kind: 'cut', afterBytes: 4096, direction: 'request', service: 'receive-pack' });
    const failed = await runGit(['push', 'origin', 'main'], { cwd: dir });
    expect(failed.code).not.toBe(0);
    // curl resends a POST whose reused connection died before any answer: the fault cuts both.
    expect(fault.hits).toBeGreaterThanOrEqual(1);
    // The status may be 0 or 200: http-backend sends its headers before it has read the whole pack.
    expect(server.requests.at(-1)).toMatchObject({ service: 'receive-pack', faults: ['cut'] });
    expect(await serverHead(small.path)).toBe(before);
    // The cut must not leave git-http-backend or receive-pack running (they once spun at full CPU).
    await expect.poll(() => gitProcessesUnder(server.root), { timeout: 10_000 }).toEqual([]);
    fault.off();
    expect((await runGit(['push', 'origin', 'main'], { cwd: dir })).code).toBe(0);
  });
});

/** PIDs of processes whose working directory lies inside `root` (Linux /proc). */
function gitProcessesUnder(root: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/cwd`).startsWith(root)) pids.push(Number(entry));
    } catch {
      // the process ended, or is not ours to read
    }
  }
  return pids;
}

describe('rejected push', () => {
  it('declines a native push through a real pre-receive hook and leaves the ref alone', async () => {
    const dir = await cloneWithCommit(small.url, 'rejected\n');
    const before = await serverHead(small.path);
    const fault = server.faults.inject({ kind: 'reject-push', message: 'branch is protected (test)', repo: 'acme/small', times: 1 });
    const failed = await runGit(['push', 'origin', 'main'], { cwd: dir });
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/remote: branch is protected \(test\)/);
    expect(failed.stderr).toMatch(/\[remote rejected\] main -> main \(pre-receive hook declined\)/);
    expect(fault.hits).toBe(1);
    expect(await serverHead(small.path)).toBe(before);
    expect((await runGit(['push', 'origin', 'main'], { cwd: dir })).code).toBe(0);
  });

  it('reports the rejection to isomorphic-git', async () => {
    const dir = freshDir();
    await git.clone({ fs, http, dir, url: small.url });
    await writeFile(join(dir, 'iso.txt'), 'iso\n');
    await git.add({ fs, dir, filepath: 'iso.txt' });
    await git.commit({ fs, dir, message: 'iso', author });
    const before = await serverHead(small.path);
    const fault = server.faults.inject({ kind: 'reject-push' });
    await expect(git.push({ fs, http, dir, remote: 'origin', ref: 'main' })).rejects.toMatchObject({
      code: 'GitPushError',
      data: { result: { refs: { 'refs/heads/main': { ok: false, error: 'pre-receive hook declined' } } } },
    });
    expect(fault.hits).toBe(1);
    expect(await serverHead(small.path)).toBe(before);
  });
});

describe('down', () => {
  it('closes connections without an answer for native git and isomorphic-git, until switched off', async () => {
    const fault = server.faults.inject({ kind: 'down' });
    const failed = await runGit(['ls-remote', small.url]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/Empty reply|reset|closed|RPC failed/i);
    await expect(git.listServerRefs({ http, url: small.url })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(fault.hits).toBe(2);
    expect(server.requests.at(-1)).toMatchObject({ status: 0, faults: ['down'] });
    fault.off();
    expect((await runGit(['ls-remote', small.url])).code).toBe(0);
  });

  it('refuses connections while the server is stopped, then serves the same URL again', async () => {
    await server.refuseConnections();
    const failed = await runGit(['ls-remote', small.url]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/Connection refused|Failed to connect/);
    await expect(git.listServerRefs({ http, url: small.url })).rejects.toThrow(/ECONNREFUSED/);
    await server.acceptConnections();
    expect((await runGit(['ls-remote', small.url])).code).toBe(0);
  });

  it('scopes a fault to one repo', async () => {
    server.faults.inject({ kind: 'down', repo: 'acme/big' });
    expect((await runGit(['ls-remote', small.url])).code).toBe(0);
    expect((await runGit(['ls-remote', big.url])).code).not.toBe(0);
  });
});

describe('fault options', () => {
  it('rejects nonsense with a clear message', () => {
    expect(() => server.faults.inject({ kind: 'status', status: 200 })).toThrow(/status must be 400-599/);
    expect(() => server.faults.inject({ kind: 'latency', ms: -1 })).toThrow(/ms must be >= 0/);
    expect(() => server.faults.inject({ kind: 'cut', afterBytes: 1.5 })).toThrow(/afterBytes/);
    expect(() => server.faults.inject({ kind: 'down', times: 0 })).toThrow(/times must be a positive integer/);
    expect(server.faults.list()).toHaveLength(0);
  });
});

// Runs last (vitest keeps file order): every fault above has fired by now.
describe('after all faults', () => {
  it('leaves no git-http-backend or receive-pack running once the server is closed', async () => {
    await server.close();
    closed = true;
    // Killing only `git` once orphaned its git-http-backend child, which then spun at full CPU.
    await expect.poll(() => gitProcessesUnder(server.root), { timeout: 10_000 }).toEqual([]);
  });
});
