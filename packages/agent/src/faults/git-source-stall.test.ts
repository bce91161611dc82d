// IsomorphicGitSource against a git server that stops sending in the middle of a pack (the
// connection stays open: no error, no end). Real `git http-backend` (tools/testenv) behind a TCP
// relay of this test that forwards faithfully until told to hold the server's bytes back.
import { startGitServer, type GitServer } from '@ferry/testenv';
import { FerryError } from '@ferry/manifest-model';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsomorphicGitSource } from '../adapters/git-source.js';
import { commitTree } from '../test/git-fixture.js';

interface StallingRelay {
  url: string;
  /** Forward at most this many server bytes per connection, then hold the rest (undefined: no limit). */
  stallAfterBytes: number | undefined;
  stalled: number;
  close(): Promise<void>;
}

async function startRelay(target: string): Promise<StallingRelay> {
  const { port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  const relay: StallingRelay = { url: '', stallAfterBytes: undefined, stalled: 0, close: async () => undefined };
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: Number(targetPort) });
    sockets.add(client).add(upstream);
    let forwarded = 0;
    let holding = false;
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const limit = relay.stallAfterBytes;
      if (holding) return;
      if (limit !== undefined && forwarded + chunk.length > limit) {
        client.write(chunk.subarray(0, limit - forwarded));
        holding = true;
        relay.stalled++;
        return;
      }
      forwarded += chunk.length;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', () => (holding ? undefined : end())).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  relay.close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return relay;
}

let git: GitServer;
let relay: StallingRelay;
let cacheDir: string;
beforeAll(async () => {
  git = await startGitServer();
  relay = await startRelay(git.url);
  cacheDir = await mkdtemp(join(tmpdir(), 'ferry-git-stall-'));
});
afterAll(async () => {
  await relay?.close();
  await git?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('git fetch from a server that stalls mid-pack', () => {
  it('fails within the idle limit with a clear error, keeps the cache usable, and fetches once the server sends again', async () => {
    const repo = await git.createRepo('acme/stall');
    const url = `${relay.url}/acme/stall.git`;
    const first = await commitTree(repo.path, { 'app/a.yaml': 'a: 1\n' });
    const source = new IsomorphicGitSource({ cacheDir, idleTimeoutMs: 500 });
    const ref = { branch: 'main' };
    await source.fetchCommit(url, ref, await source.resolveRemote(url, ref));
    expect((await source.readFiles(url, first, 'app')).map((f) => f.path)).toEqual(['app/a.yaml']);

    // 400 KB of incompressible data: the pack is far longer than what the relay lets through.
    const second = await commitTree(repo.path, { 'app/a.yaml': 'a: 2\n', 'data/blob.txt': randomBytes(200_000).toString('hex') });
    expect(await source.resolveRemote(url, ref)).toBe(second);
    relay.stallAfterBytes = 20_000;
    const started = Date.now();
    const error = await source.fetchCommit(url, ref, second).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('source.unavailable');
    expect((error as FerryError).message).toBe(`${url}: the git server sent nothing for 0.5 s`);
    expect(relay.stalled).toBeGreaterThan(0);
    // Bounded by the idle limit, not by the server: generous for a loaded machine.
    expect(Date.now() - started).toBeLessThan(20_000);
    await expect(source.readFiles(url, second, 'app')).rejects.toThrow();

    relay.stallAfterBytes = undefined;
    await source.fetchCommit(url, ref, second);
    const files = await source.readFiles(url, second, '');
    expect(Object.fromEntries(files.map((f) => [f.path, f.content.length]))).toEqual({ 'app/a.yaml': 5, 'data/blob.txt': 400_000 });
  });
});
