// The status port against a real HTTP server standing in for a broken GitHub (or a proxy in
// front of it) that answers 500 with a long body full of internals: the error carries the status
// line and a short, one-line, redacted excerpt at most (issue 17, risk 2).
import { TEST_GITHUB_TOKEN } from '@ferry/testenv';
import { FerryError } from '@ferry/manifest-model';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubStatusPort } from './github-status-port.js';

let server: Server;
let apiUrl: string;
let answer: { status: number; type: string; body: string };
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(answer.status, { 'content-type': answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const status = { repository: { owner: 'acme', name: 'config' }, sha: 'a'.repeat(40), state: 'pending' as const, context: 'ferry/c1/ns/web', description: 'applying' };

async function failure(): Promise<FerryError> {
  const port = createGitHubStatusPort({ apiUrl, token: TEST_GITHUB_TOKEN });
  const error = await port.postStatus(status).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FerryError);
  return error as FerryError;
}

const leaks = ['hunter2', 'It5-a-s3cret', 'AKIAIOSFODNN7EXAMPLE', 'k8s-api.internal', 'ldap.corp.example.com', '10.20.30.40', '<pre>', TEST_GITHUB_TOKEN];
const internals = [
  '<html><body><h1>502 from upstream</h1><pre>',
  'proxy at 10.20.30.40 could not reach https://k8s-api.internal:6443 (auth via ldap.corp.example.com)',
  'env: DB_PASSWORD=hunter2 session_token="It5-a-s3cret" aws=AKIAIOSFODNN7EXAMPLE',
  `echo authorization: token ${TEST_GITHUB_TOKEN}`,
  'stack:\n' + '    at handler (/srv/app/index.js:1:1)\n'.repeat(200),
  '</pre></body></html>',
].join('\n');

describe('createGitHubStatusPort error messages', () => {
  it('a 500 with a long HTML body: status line and a short redacted excerpt, after one retry', async () => {
    answer = { status: 500, type: 'text/html', body: internals };
    const before = requests;
    const error = await failure();
    expect(requests - before).toBe(2);
    for (const leak of leaks) expect(error.message).not.toContain(leak);
    expect(error.code).toBe('status.failed');
    expect(error.message).toMatch(/^post commit status ferry\/c1\/ns\/web \(pending\) on aaaaaaaaaaaa: HTTP 500 Internal Server Error: 502 from upstream proxy at \*\*\*/);
    const excerpt = error.message.slice(error.message.indexOf('Internal Server Error: ') + 'Internal Server Error: '.length);
    expect(excerpt.length).toBeLessThanOrEqual(200);
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it("a JSON error: GitHub's message, redacted and cut the same way", async () => {
    answer = { status: 422, type: 'application/json', body: JSON.stringify({ message: `Validation Failed\n${internals}`, documentation_url: 'https://docs.github.com/rest' }) };
    const error = await failure();
    for (const leak of leaks) expect(error.message).not.toContain(leak);
    expect(error.message).toMatch(/HTTP 422 Unprocessable Entity: Validation Failed 502 from upstream/);
    expect(error.message.length).toBeLessThan(400);
  });
});
