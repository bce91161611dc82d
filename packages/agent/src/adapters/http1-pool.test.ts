import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Pool } from './http1-pool.js';

const servers: Server[] = [];
const pools: Http1Pool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function poolTo(port: number, maxConnections = 4, idleTimeoutMs?: number): Http1Pool {
  const pool = new Http1Pool({ host: `127.0.0.1:${port}`, maxConnections, connect: () => connect({ host: '127.0.0.1', port }), ...(idleTimeoutMs ? { idleTimeoutMs } : {}) });
  pools.push(pool);
  return pool;
}

/** A Node HTTP server that records each request and the connection it came on. */
async function httpServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string; socket: Socket }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socket: req.socket });
      handle(req, res, body);
    });
  });
  // The server never closes an idle connection first (Node's default is after 5 s).
  server.keepAliveTimeout = 0;
  return { port: await listen(server), seen };
}

/** A TCP server that answers each request with the given bytes, written in the given pieces. */
async function rawServer(answer: (request: string) => Array<string | Buffer>, after: 'keep' | 'close' = 'keep') {
  const server = createTcpServer((socket) => {
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const request = buffered.slice(0, end + 4 + length);
      buffered = buffered.slice(end + 4 + length);
      for (const piece of answer(request)) socket.write(piece);
      if (after === 'close') socket.end();
    });
  });
  return listen(server);
}

describe('Http1Pool', () => {
  it('sends method, path, headers and body with its length, and reads status, headers and body', async () => {
    const { port, seen } = await httpServer((_req, res, body) => {
      res.setHeader('x-echo', Buffer.byteLength(body));
      res.statusCode = 201;
      res.end(`got ${body}`);
    });
    const response = await poolTo(port).request('PATCH', '/api/v1/x?dryRun=All', { accept: 'application/json', 'impersonate-group': ['a', 'b'] }, '{"é":1}');
    expect(response.status).toBe(201);
    expect(response.headers['x-echo']).toBe('8');
    expect(response.body.toString()).toBe('got {"é":1}');
    expect(seen[0]).toMatchObject({ method: 'PATCH', url: '/api/v1/x?dryRun=All', body: '{"é":1}' });
    expect(seen[0]?.headers).toMatchObject({ host: `127.0.0.1:${port}`, accept: 'application/json', 'content-length': '8', 'impersonate-group': 'a, b' });
  });

  it('reuses a kept-alive connection, and opens no more than maxConnections at once', async () => {
    const { port, seen } = await httpServer((req, res) => res.end(req.url));
    const pool = poolTo(port, 2);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.request('GET', `/${i}`, {})));
    expect(answers.map((a) => a.body.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `/${i}`));
    expect(new Set(seen.map((s) => s.socket)).size).toBe(2);
    await pool.request('GET', '/again', {});
    expect(new Set(seen.map((s) => s.socket)).size).toBe(2);
  });

  it('reads chunked bodies, split anywhere, with extensions and trailers', async () => {
    const response = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nx-trailer: t\r\n\r\n';
    const port = await rawServer(() => response.split('').map((c) => c));
    const pool = poolTo(port, 1);
    expect((await pool.request('GET', '/', {})).body.toString()).toBe('hello world');
    // The connection is still in step: a second request on it works.
    expect((await pool.request('GET', '/', {})).body.toString()).toBe('hello world');
  });

  it('reads a large chunked body arriving in many reads', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 'x');
    const response = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\n\r\n')]);
    const port = await rawServer(() => Array.from({ length: Math.ceil(response.length / 16384) }, (_, i) => response.subarray(i * 16384, (i + 1) * 16384)));
    expect((await poolTo(port).request('GET', '/', {})).body.equals(data)).toBe(true);
  });

  it('skips an interim 100 Continue and reads the final response', async () => {
    const port = await rawServer(() => ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok']);
    expect((await poolTo(port).request('POST', '/', {}, 'x')).body.toString()).toBe('ok');
  });

  it('reads a body that ends with the connection, and a 204 with no body', async () => {
    const untilClose = await rawServer(() => ['HTTP/1.1 200 OK\r\n\r\n', 'par', 'tial'], 'close');
    expect((await poolTo(untilClose).request('GET', '/', {})).body.toString()).toBe('partial');
    const noContent = await rawServer(() => ['HTTP/1.1 204 No Content\r\n\r\n']);
    const response = await poolTo(noContent).request('DELETE', '/', {});
    expect(response.status).toBe(204);
    expect(response.body.length).toBe(0);
  });

  it('opens a new connection after the server closes one (Connection: close, or closed while idle)', async () => {
    const { port, seen } = await httpServer((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    });
    const pool = poolTo(port, 1);
    expect((await pool.request('GET', '/1', {})).body.toString()).toBe('bye');
    expect((await pool.request('GET', '/2', {})).body.toString()).toBe('bye');
    expect(seen[0]?.socket).not.toBe(seen[1]?.socket);
  });

  it('closes a connection left idle for idleTimeoutMs; the next request opens a new one', async () => {
    const { port, seen } = await httpServer((_req, res) => res.end('ok'));
    const pool = poolTo(port, 1, 20);
    await pool.request('GET', '/1', {});
    const first = seen[0]?.socket as Socket;
    await new Promise((resolve) => first.once('close', resolve));
    await pool.request('GET', '/2', {});
    expect(seen[1]?.socket).not.toBe(first);
  });

  it('fails a request whose response is cut short, and one the server never answers', async () => {
    const cut = await rawServer(() => ['HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'], 'close');
    await expect(poolTo(cut).request('GET', '/', {})).rejects.toThrow('closed the connection before the response ended');
    const badChunk = await rawServer(() => ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n']);
    await expect(poolTo(badChunk).request('GET', '/', {})).rejects.toThrow('does not end with CRLF');
    const garbage = await rawServer(() => ['SSH-2.0-OpenSSH\r\n\r\n']);
    await expect(poolTo(garbage).request('GET', '/', {})).rejects.toThrow('not an HTTP/1.x response');
    const server = createTcpServer((socket) => socket.destroy());
    const port = await listen(server);
    await expect(poolTo(port).request('GET', '/', {})).rejects.toThrow();
  });

  it('close() fails the requests in flight and waiting', async () => {
    const silent = await rawServer(() => []);
    const pool = poolTo(silent, 1);
    const settled = Promise.allSettled([pool.request('GET', '/1', {}), pool.request('GET', '/2', {})]);
    pool.close();
    const [inFlight, waiting] = await settled;
    expect(inFlight).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('closed the connection before the response ended') } });
    expect(waiting).toMatchObject({ status: 'rejected', reason: { message: 'the connection pool is closed' } });
  });

  it('refuses a header that would inject a line, and requests after close', async () => {
    const { port, seen } = await httpServer((_req, res) => res.end());
    const pool = poolTo(port);
    const refused = pool.request('GET', '/', { authorization: 'Bearer s3cret\r\nx-evil: 1' });
    await expect(refused).rejects.toThrow("the request's authorization header contains a line break or NUL");
    await expect(refused).rejects.not.toThrow('s3cret');
    pool.close();
    await expect(pool.request('GET', '/', {})).rejects.toThrow('closed');
    expect(seen).toEqual([]);
  });
});
