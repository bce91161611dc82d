// Issue 17: a failed HTTP answer (an internal endpoint's or a proxy's error page) is not echoed
// into the promoter's output: the status line and at most a short, redacted, one-line excerpt.
// The adapters talk to a real HTTP server here that answers like a misbehaving proxy would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodeHttp from 'isomorphic-git/http/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { expectNoSecrets, TEST_GITHUB_TOKEN } from '@ferry/testenv';
import { connectGitHubHost } from './github-host.js';
import { openGitWorkspace } from './git-workspace.js';
import { EXCERPT_MAX, excerptResponse, sendReceivePack } from '@ferry/git-http';

const OID = 'a'.repeat(40);
const page = [
  '<html>', '<head><title>502 Bad Gateway</title></head>', '<body>', '<pre>',
  'upstream: postgres://admin:hunter2@10.0.0.5:5432/prod', `token ${TEST_GITHUB_TOKEN}`, 'see http://internal.example/debug?password=hunter3&user=x',
  'x'.repeat(1000), 'INTERNAL-ONLY-DETAIL', '</pre>', '</body>', '</html>',
].join('\r\n');

function pkt(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '';
  const body = await readBody(req);
  const send = (status: number, type: string, data: string | Buffer) => {
    res.writeHead(status, { 'content-type': type });
    res.end(data);
  };
  if (url.startsWith('/html/')) return send(200, 'text/html', page);
  if (url.startsWith('/down/')) return send(503, 'text/html', page);
  if (url.startsWith('/errpkt/') && url.endsWith('/git-upload-pack')) {
    if (body.includes('command=ls-refs')) return send(200, 'application/x-git-upload-pack-result', Buffer.concat([pkt(`${OID} HEAD symref-target:refs/heads/main\n`), Buffer.from('0000')]));
    return send(200, 'application/x-git-upload-pack-result', Buffer.concat([pkt(`ERR ${page}\n`), Buffer.from('0000')]));
  }
  if (url.startsWith('/ng/')) return send(200, 'application/x-git-receive-pack-result', Buffer.concat([pkt('unpack ok\n'), pkt(`ng refs/heads/main ${page}\n`), Buffer.from('0000')]));
  if (url.startsWith('/unpack/')) return send(200, 'application/x-git-receive-pack-result', Buffer.concat([pkt(`unpack ${page}\n`), Buffer.from('0000')]));
  if (url.startsWith('/rp403/')) return send(403, 'text/html', page);
  if (url.startsWith('/gh500/')) return send(500, 'text/html', page);
  if (url.startsWith('/gh422/')) return send(422, 'application/json', JSON.stringify({ message: `Validation Failed\n${page}`, errors: [{ message: page }] }));
  send(404, 'text/plain', 'no route');
}

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** The message carries at most a short excerpt of the page, on one line, with nothing secret or deep in it. */
function expectExcerptOnly(err: unknown, says: RegExp): void {
  expect(err).toBeInstanceOf(FerryError);
  const message = (err as FerryError).describe();
  expect(message).toMatch(says);
  expect(message).not.toMatch(/[\r\n\u0000-\u0008]/);
  expect(message).not.toContain('hunter2');
  expect(message).not.toContain('hunter3');
  expect(message).not.toContain('INTERNAL-ONLY-DETAIL');
  expect(message).not.toContain('x'.repeat(EXCERPT_MAX));
  expect(message.length).toBeLessThan(EXCERPT_MAX + 200);
  expectNoSecrets(message, 'adapter error');
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('excerptResponse', () => {
  it('keeps one short line: control characters gone, credentials and secret query parameters redacted', () => {
    const out = excerptResponse(page);
    expect(out.length).toBeLessThanOrEqual(EXCERPT_MAX);
    expect(out.endsWith('…')).toBe(true);
    expect(out).toMatch(/^<html> <head><title>502 Bad Gateway<\/title><\/head> <body> <pre> upstream: postgres:\/\/\*\*\*@10\.0\.0\.5:5432\/prod token \*\*\* see http:\/\/internal\.example\/debug\?password=\*\*\*&user=x/);
    expect(excerptResponse('short\u2028answer\u0085\u001b[31m')).toBe('short answer [31m');
  });
});

describe('adapters report a failed answer as its status line and a short excerpt', () => {
  it('git: an HTML page instead of smart HTTP (a login proxy)', async () => {
    const repo = await openGitWorkspace({ url: `${base}/html/acme/config.git` });
    try {
      expectExcerptOnly(await caught(() => repo.fetchDefaultBranch()), /did not answer with the git smart HTTP protocol \(it sent: <html>/);
    } finally {
      await repo.close();
    }
  });

  it('git: a 503 error page is the status line only', async () => {
    const repo = await openGitWorkspace({ url: `${base}/down/acme/config.git` });
    try {
      const err = await caught(() => repo.fetchDefaultBranch());
      expectExcerptOnly(err, /HTTP 503/);
      expect((err as FerryError).message).not.toContain('<html>');
    } finally {
      await repo.close();
    }
  });

  it('git: an ERR packet from upload-pack', async () => {
    const repo = await openGitWorkspace({ url: `${base}/errpkt/acme/config.git` });
    try {
      expectExcerptOnly(await caught(() => repo.fetchDefaultBranch()), /server: ERR <html> <head>/);
    } finally {
      await repo.close();
    }
  });

  it('git: receive-pack reasons (ng, unpack) and a 403 page', async () => {
    const update = { old: OID, new: 'b'.repeat(40), ref: 'refs/heads/main' };
    const ng = await sendReceivePack(nodeHttp, { url: `${base}/ng/acme/config.git`, headers: {}, update, pack: null });
    expect(ng.ok).toBe(false);
    const reason = (ng as { reason: string }).reason;
    expect(reason.length).toBeLessThanOrEqual(EXCERPT_MAX);
    expect(reason).not.toMatch(/[\r\n]|hunter2|INTERNAL-ONLY-DETAIL/);
    expectExcerptOnly(await caught(() => sendReceivePack(nodeHttp, { url: `${base}/unpack/acme/config.git`, headers: {}, update, pack: null })), /server could not unpack: unpack <html>/);
    const forbidden = await caught(() => sendReceivePack(nodeHttp, { url: `${base}/rp403/acme/config.git`, headers: {}, update, pack: null }));
    expect((forbidden as Error).message).toBe('HTTP 403 Forbidden');
  });

  it('GitHub: an HTML 500 page and a 422 with a huge multi-line message', async () => {
    for (const [prefix, says] of [['gh500', /^create the pull request: HTTP 500: <html> <head>/], ['gh422', /^create the pull request: HTTP 422: Validation Failed <html>/]] as const) {
      const { host } = await connectGitHubHost({
        owner: 'acme', repo: 'config', auth: { kind: 'token', token: TEST_GITHUB_TOKEN }, apiUrl: `${base}/${prefix}`,
        throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 1, maxRetries: 0 },
      });
      expectExcerptOnly(await caught(() => host.createPullRequest({ head: 'ferry/dev/web', base: 'main', title: 't', body: 'b' })), says);
    }
  });
});
