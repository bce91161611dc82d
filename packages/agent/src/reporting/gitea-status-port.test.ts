// The Gitea status port against a real HTTP server that records what it is sent (the request
// Gitea's API takes) and answers as told: errors carry the status line and a short redacted
// excerpt, the token never.
import { FerryError } from '@ferry/manifest-model';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGiteaStatusPort, giteaApiBase } from './gitea-status-port.js';

const token = 'gitea-test-token-0123456789abcdef';
let server: Server;
let baseUrl: string;
let answer: { status: number; type: string; body: string };
let requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }>;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': answer.type });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  requests = [];
});

const status = { repository: { owner: 'acme', name: 'config' }, sha: 'a'.repeat(40), state: 'failure' as const, context: 'ferry/c1/ns/web', description: 'health.unhealthy: Deployment web' };

async function failure(): Promise<FerryError> {
  const error = await createGiteaStatusPort({ apiUrl: baseUrl, token }).postStatus(status).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FerryError);
  return error as FerryError;
}

describe('giteaApiBase', () => {
  it.each([
    ['https://gitea.example.com', 'https://gitea.example.com/api/v1'],
    ['https://gitea.example.com/', 'https://gitea.example.com/api/v1'],
    ['https://example.com/gitea', 'https://example.com/gitea/api/v1'],
    ['https://gitea.example.com/api/v1/', 'https://gitea.example.com/api/v1'],
  ])('%s -> %s', (given, expected) => {
    expect(giteaApiBase(given)).toBe(expected);
  });
});

describe('createGiteaStatusPort', () => {
  it("posts Gitea's commit status request: path under /api/v1, token auth, state, context, description, target_url", async () => {
    answer = { status: 201, type: 'application/json', body: '{"id":1}' };
    await createGiteaStatusPort({ apiUrl: `${baseUrl}/`, token }).postStatus({ ...status, targetUrl: 'https://dash.example/web' });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`/api/v1/repos/acme/config/statuses/${'a'.repeat(40)}`);
    expect(request!.headers.authorization).toBe(`token ${token}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({ state: 'failure', context: 'ferry/c1/ns/web', description: 'health.unhealthy: Deployment web', target_url: 'https://dash.example/web' });
  });

  it('escapes owner and repository names in the path', async () => {
    answer = { status: 201, type: 'application/json', body: '{}' };
    await createGiteaStatusPort({ apiUrl: baseUrl, token }).postStatus({ ...status, repository: { owner: 'a b', name: 'c?d' } });
    expect(requests[0]!.url).toBe(`/api/v1/repos/a%20b/c%3Fd/statuses/${'a'.repeat(40)}`);
  });

  it("a 401: status.auth with the status line, Gitea's message and a hint about the scope; never the token", async () => {
    answer = { status: 401, type: 'application/json', body: JSON.stringify({ message: `token is required (got ${token})`, url: 'https://gitea.example/api/swagger' }) };
    const error = await failure();
    expect(requests).toHaveLength(1);
    expect(error.code).toBe('status.auth');
    expect(error.message).toMatch(/^post commit status ferry\/c1\/ns\/web \(failure\) on aaaaaaaaaaaa: HTTP 401 Unauthorized: token is required/);
    expect(error.hint).toMatch(/write:repository/);
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain(token);
  });

  it('a 500 with a long HTML body: retried once, then the status line and a short one-line redacted excerpt', async () => {
    const internals = ['<html><body><h1>502 from upstream</h1><pre>', 'env: DB_PASSWORD=hunter2', `authorization: token ${token}`, 'stack:\n' + '    at handler (/srv/app/index.js:1:1)\n'.repeat(200), '</pre></body></html>'].join('\n');
    answer = { status: 500, type: 'text/html', body: internals };
    const error = await failure();
    expect(requests).toHaveLength(2);
    expect(error.code).toBe('status.failed');
    expect(error.message).toMatch(/HTTP 500 Internal Server Error: 502 from upstream/);
    for (const leak of ['hunter2', token, '<pre>']) expect(error.message).not.toContain(leak);
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message.length).toBeLessThan(400);
  });

  it('an unreachable server: status.network after one retry', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await createGiteaStatusPort({ apiUrl: url, token }).postStatus(status).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('status.network');
  });
});
