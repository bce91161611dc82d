import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../index.js';
import { runGit } from './run-git.js';

let server: GitServer;
let work: string;
const author = { name: 'Ferry Test', email: 'test@ferry.invalid' };

beforeAll(async () => {
  server = await startGitServer();
  work = await mkdtemp(join(tmpdir(), 'ferry-git-client-'));
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

async function serverHead(path: string, branch = 'main'): Promise<string> {
  return (await runGit(['--git-dir', path, 'rev-parse', `refs/heads/${branch}`])).stdout.trim();
}

async function commitFile(dir: string, file: string, content: string): Promise<string> {
  await writeFile(join(dir, file), content);
  expect((await runGit(['add', file], { cwd: dir })).code).toBe(0);
  expect((await runGit(['commit', '-q', '-m', `change ${file}`], { cwd: dir })).code).toBe(0);
  return (await runGit(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
}

describe('native git', () => {
  it('clones a seeded repo over protocol v2 and pushes a commit the bare repo then holds', async () => {
    const repo = await server.createRepo('acme/native', { seed: { 'apps/web/values.yaml': 'image: web:1\n' } });
    expect(repo.url).toBe(`${server.url}/acme/native.git`);
    expect(server.repoPath('acme/native')).toBe(repo.path);
    const dir = join(work, 'native');
    const before = server.requests.length;
    const clone = await runGit(['clone', repo.url, dir], { env: { GIT_TRACE_PACKET: '1' } });
    expect(clone.code, clone.stderr).toBe(0);
    expect(await readFile(join(dir, 'apps/web/values.yaml'), 'utf8')).toBe('image: web:1\n');
    // Both the client's trace and the server's log show protocol v2.
    expect(clone.stderr).toMatch(/clone< version 2/);
    const fetches = server.requests.slice(before).filter((r) => r.service === 'upload-pack');
    expect(fetches.length).toBeGreaterThanOrEqual(2);
    expect(fetches.every((r) => r.protocolVersion === 2 && r.status === 200)).toBe(true);
    // The log names each v2 POST's command: a clone lists refs, then fetches.
    expect(fetches.filter((r) => r.method === 'POST').map((r) => r.command)).toEqual(['ls-refs', 'fetch']);

    const head = await commitFile(dir, 'new.txt', 'new\n');
    const push = await runGit(['push', 'origin', 'main'], { cwd: dir });
    expect(push.code, push.stderr).toBe(0);
    expect(await serverHead(repo.path)).toBe(head);
  });

  it('serves a one-segment path (/config.git) as plain http-backend, cgit and Gerrit do, and logs it', async () => {
    const repo = await server.createRepo('config', { seed: { 'a.txt': 'a\n' } });
    expect(repo.url).toBe(`${server.url}/config.git`);
    const dir = join(work, 'one-segment');
    expect((await runGit(['clone', repo.url, dir])).code).toBe(0);
    const pushed = await commitFile(dir, 'b.txt', 'b\n');
    expect((await runGit(['push', 'origin', 'main'], { cwd: dir })).code).toBe(0);
    expect(await serverHead(repo.path)).toBe(pushed);
    expect(server.requests.filter((r) => r.path.startsWith('/config.git/')).map((r) => r.repo)).toContain('config');
  });

  it('honours a non-default branch and an empty repo', async () => {
    const repo = await server.createRepo('acme/trunk', { defaultBranch: 'trunk', seed: { 'a.txt': 'a' } });
    const remote = await runGit(['ls-remote', '--symref', repo.url, 'HEAD']);
    expect(remote.stdout).toMatch(/ref: refs\/heads\/trunk\tHEAD/);
    const empty = await server.createRepo('acme/empty');
    const dir = join(work, 'empty');
    expect((await runGit(['clone', empty.url, dir])).code).toBe(0);
    const head = await commitFile(dir, 'first.txt', '1');
    expect((await runGit(['push', 'origin', 'HEAD:main'], { cwd: dir })).code).toBe(0);
    expect(await serverHead(empty.path)).toBe(head);
  });

  it('lets exactly one of two concurrent pushes from the same base win', async () => {
    const repo = await server.createRepo('acme/race', { seed: { 'a.txt': 'base\n' } });
    const [a, b] = [join(work, 'race-a'), join(work, 'race-b')];
    await Promise.all([runGit(['clone', repo.url, a]), runGit(['clone', repo.url, b])]);
    const commits = [await commitFile(a, 'a.txt', 'from a\n'), await commitFile(b, 'a.txt', 'from b\n')];
    // Hold both packs at the server so both receive-packs run against the same old head:
    // the ref update itself (git's compare-and-swap) decides, not the client's ref check.
    const hold = server.faults.inject({ kind: 'latency', ms: 300, service: 'receive-pack', stage: 'rpc' });
    const results = await Promise.all([a, b].map((dir) => runGit(['push', 'origin', 'main'], { cwd: dir })));
    hold.off();
    expect(hold.hits).toBe(2);
    const winners = results.flatMap((r, i) => (r.code === 0 ? [i] : []));
    expect(winners, results.map((r) => r.stderr).join('\n')).toHaveLength(1);
    const loser = results[1 - winners[0]!]!;
    expect(loser.stderr).toMatch(/rejected|failed to update ref|cannot lock ref/);
    expect(await serverHead(repo.path)).toBe(commits[winners[0]!]);
  });

  it('serves a fetch whose negotiation request native git sends gzip-compressed', async () => {
    const repo = await server.createRepo('acme/gzip', { seed: { 'a.txt': 'a\n' } });
    const [a, b] = [join(work, 'gzip-a'), join(work, 'gzip-b')];
    await Promise.all([runGit(['clone', '-q', repo.url, a]), runGit(['clone', '-q', repo.url, b])]);
    // Many local commits the server lacks, newer than anything shared, make git send rounds of
    // `have` lines until one request passes 1 KiB, which git sends gzip-compressed.
    // One fast-import process writes them all (a commit per process is slow on a busy machine).
    const stream = Array.from({ length: 120 }, (_, i) =>
      ['commit refs/heads/side', `committer T <t@t> ${1_900_000_000 + i} +0000`, 'data <<END', `side ${i}`, 'END', ''].join('\n'),
    ).join('\n');
    const many = await runGit(['fast-import', '--quiet'], { cwd: a, input: `${stream}\n` });
    expect(many.code, many.stderr).toBe(0);
    const head = await commitFile(b, 'b.txt', 'b\n');
    expect((await runGit(['push', '-q', 'origin', 'main'], { cwd: b })).code).toBe(0);
    const before = server.requests.length;
    const fetch = await runGit(['fetch', 'origin'], { cwd: a });
    expect(fetch.code, fetch.stderr).toBe(0);
    expect((await runGit(['rev-parse', 'origin/main'], { cwd: a })).stdout.trim()).toBe(head);
    expect(server.requests.slice(before).some((r) => r.contentEncoding === 'gzip' && r.status === 200)).toBe(true);
  });

  it('rejects a bad repo name and a seed path outside the work tree', async () => {
    await expect(server.createRepo('a/b/c')).rejects.toThrow(/must be "owner\/name"/);
    await expect(server.createRepo('..')).rejects.toThrow(/must be "owner\/name"/);
    await expect(server.createRepo('acme/../x')).rejects.toThrow(/must be "owner\/name"/);
    await expect(server.createRepo('acme/escape', { seed: { '../x': 'x' } })).rejects.toThrow(/inside the work tree/);
  });

  it('answers 404 for paths that are not git smart-HTTP', async () => {
    const response = await fetch(`${server.url}/nothing-here`);
    expect(response.status).toBe(404);
    const missing = await runGit(['ls-remote', server.repoUrl('acme/missing')]);
    expect(missing.code).not.toBe(0);
  });
});

describe('isomorphic-git', () => {
  it('lists refs over protocol v2, clones, pushes, and native git sees the push', async () => {
    const repo = await server.createRepo('acme/iso', { seed: { 'values.yaml': 'tag: "1"\n' } });
    const before = server.requests.length;
    const info = await git.getRemoteInfo2({ http, url: repo.url, protocolVersion: 2 });
    expect(info.protocolVersion).toBe(2);
    expect(server.requests.slice(before).map((r) => r.protocolVersion)).toContain(2);

    const dir = join(work, 'iso');
    await git.clone({ fs, http, dir, url: repo.url, singleBranch: true, depth: 1 });
    expect(await readFile(join(dir, 'values.yaml'), 'utf8')).toBe('tag: "1"\n');
    await writeFile(join(dir, 'values.yaml'), 'tag: "2"\n');
    await git.add({ fs, dir, filepath: 'values.yaml' });
    const sha = await git.commit({ fs, dir, message: 'bump', author });
    const result = await git.push({ fs, http, dir, remote: 'origin', ref: 'main' });
    expect(result.ok).toBe(true);
    expect(await serverHead(repo.path)).toBe(sha);

    const check = join(work, 'iso-check');
    expect((await runGit(['clone', repo.url, check])).code).toBe(0);
    expect(await readFile(join(check, 'values.yaml'), 'utf8')).toBe('tag: "2"\n');
  });

  it('refuses a push from a stale clone as not fast-forward', async () => {
    const repo = await server.createRepo('acme/iso-race', { seed: { 'a.txt': 'base\n' } });
    const [a, b] = [join(work, 'iso-race-a'), join(work, 'iso-race-b')];
    await git.clone({ fs, http, dir: a, url: repo.url });
    await git.clone({ fs, http, dir: b, url: repo.url });
    for (const dir of [a, b]) {
      await writeFile(join(dir, 'a.txt'), dir);
      await git.add({ fs, dir, filepath: 'a.txt' });
      await git.commit({ fs, dir, message: 'edit', author });
    }
    expect((await git.push({ fs, http, dir: a, remote: 'origin', ref: 'main' })).ok).toBe(true);
    const winner = await serverHead(repo.path);
    await expect(git.push({ fs, http, dir: b, remote: 'origin', ref: 'main' })).rejects.toMatchObject({ code: 'PushRejectedError' });
    expect(await serverHead(repo.path)).toBe(winner);
  });
});
