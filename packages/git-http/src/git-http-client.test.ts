// The shared client against a real HTTP server: one kept-alive socket for several requests, and a
// server that stops sending (before the headers, or between two chunks) fails within the idle limit.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHttpClient, GitStalledError } from './git-http-client.js';

let server: Server;
let base: string;
const sockets = new Set<Socket>();
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') return res.end('fine');
    if (req.url === '/silent') return; // never answers
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write('first chunk'); // then stalls mid-body
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function readAll(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<string> {
  const chunks: Uint8Array[] = [];
  if (body) for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

describe('createGitHttpClient', () => {
  it('keeps the connection alive across requests', async () => {
    const http = createGitHttpClient({ idleTimeoutMs: 2_000 });
    const before = sockets.size;
    for (let i = 0; i < 3; i++) expect(await readAll((await http.request({ url: `${base}/ok`, method: 'GET', headers: {} })).body)).toBe('fine');
    expect(sockets.size - before).toBe(1);
  });

  it('fails a request with no answer within the idle limit', async () => {
    const http = createGitHttpClient({ idleTimeoutMs: 300 });
    const started = Date.now();
    const error = await http.request({ url: `${base}/silent`, method: 'GET', headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitStalledError);
    expect((error as GitStalledError).message).toBe('the git server sent nothing for 0.3 s');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails a body that stops between two chunks', async () => {
    const http = createGitHttpClient({ idleTimeoutMs: 300 });
    const response = await http.request({ url: `${base}/stall-body`, method: 'GET', headers: {} });
    const error = await readAll(response.body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitStalledError);
  });
});
