import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleGiteaWebhook, verifyGiteaSignature } from './gitea-webhook.js';
import { parsePushEvent, ReplayGuard } from './github-webhook.js';

const secret = 'It5-a-s3cret';
// As Gitea signs: the hex digest alone, no `sha256=` prefix.
const sign = (body: Buffer, key = secret) => createHmac('sha256', key).update(body).digest('hex');
// The fields of Gitea's push payload the agent reads (Gitea sends many more).
const push = Buffer.from(JSON.stringify({
  ref: 'refs/heads/main', before: '0'.repeat(40), after: 'b'.repeat(40),
  repository: { id: 1, full_name: 'acme/config', clone_url: 'http://gitea.example:3000/acme/config.git', html_url: 'http://gitea.example:3000/acme/config', ssh_url: 'git@gitea.example:acme/config.git' },
  pusher: { login: 'ferry' },
}));

describe('verifyGiteaSignature', () => {
  it.each([
    ['the right signature', sign(push), true],
    ['upper-case hex', sign(push).toUpperCase(), true],
    ["GitHub's sha256= form", `sha256=${sign(push)}`, false],
    ['another secret', sign(push, 'other'), false],
    ['a changed body', sign(Buffer.from(push.toString().replace('main', 'prod'))), false],
    ['sha1', createHmac('sha1', secret).update(push).digest('hex'), false],
    ['truncated digest', sign(push).slice(0, 40), false],
    ['not hex', 'z'.repeat(64), false],
    ['empty', '', false],
    ['missing', undefined, false],
  ])('%s -> %s', (_name, header, expected) => {
    expect(verifyGiteaSignature(secret, push, header)).toBe(expected);
  });

  it('an empty secret never verifies', () => {
    expect(verifyGiteaSignature('', push, sign(push, ''))).toBe(false);
  });
});

describe("Gitea's push payload", () => {
  it('gives the ref, the pushed commit and every repository URL', () => {
    expect(parsePushEvent(push)).toEqual({
      ref: 'refs/heads/main', after: 'b'.repeat(40),
      urls: ['http://gitea.example:3000/acme/config.git', 'http://gitea.example:3000/acme/config', 'git@gitea.example:acme/config.git'],
    });
  });
});

describe('handleGiteaWebhook', () => {
  const syncs = [
    { namespace: 'a', name: 'https', spec: { url: 'http://gitea.example:3000/acme/config', ref: { branch: 'main' } } },
    { namespace: 'a', name: 'ssh', spec: { url: 'git@gitea.example:acme/config.git' } },
    { namespace: 'b', name: 'prod', spec: { url: 'http://gitea.example:3000/acme/config.git', ref: { branch: 'prod' } } },
    { namespace: 'b', name: 'other', spec: { url: 'http://gitea.example:3000/acme/other.git' } },
  ];
  const setup = () => {
    const requested: string[] = [];
    const deps = {
      secret, replay: new ReplayGuard(),
      findSyncs: (matches: (spec: { url?: unknown; ref?: unknown }) => boolean) => syncs.filter((s) => matches(s.spec)),
      requestReconcile: async (s: { namespace: string; name: string }, token: string) => {
        requested.push(`${s.namespace}/${s.name} ${token}`);
      },
    };
    return { deps, requested };
  };
  const headers = (signature: string | undefined, event = 'push') => ({
    'x-gitea-event': event, 'x-gitea-delivery': 'd-1', ...(signature === undefined ? {} : { 'x-gitea-signature': signature }),
  });

  it('a signed push asks the matching Syncs to reconcile; the same body again is a replay', async () => {
    const { deps, requested } = setup();
    const result = await handleGiteaWebhook(headers(sign(push)), push, deps);
    expect(result).toMatchObject({ status: 202, outcome: 'accepted' });
    expect(JSON.parse(result.body)).toEqual({ syncs: ['a/https', 'a/ssh'] });
    expect(requested).toHaveLength(2);
    expect(requested[0]).toMatch(/^a\/https \S+ gitea:d-1$/);
    // A fresh delivery id is not signed: the same body is the same replay.
    expect(await handleGiteaWebhook({ ...headers(sign(push)), 'x-gitea-delivery': 'd-2' }, push, deps)).toMatchObject({ status: 409, outcome: 'replayed' });
    expect(requested).toHaveLength(2);
  });

  it.each([
    ['missing', undefined],
    ['wrong', sign(push, 'a-guessed-secret')],
    ["GitHub's form", `sha256=${sign(push)}`],
  ])('a %s signature is refused with 401 and nothing is asked or remembered', async (_name, signature) => {
    const { deps, requested } = setup();
    expect(await handleGiteaWebhook(headers(signature), push, deps)).toMatchObject({ status: 401, outcome: 'forged' });
    // A GitHub signature header does not stand in for Gitea's.
    expect(await handleGiteaWebhook({ ...headers(undefined), 'x-hub-signature-256': `sha256=${sign(push)}` }, push, deps)).toMatchObject({ status: 401 });
    expect(requested).toEqual([]);
    expect(await handleGiteaWebhook(headers(sign(push)), push, deps)).toMatchObject({ status: 202 });
  });

  it('other events are ignored, payloads without a ref are invalid', async () => {
    const { deps, requested } = setup();
    expect(await handleGiteaWebhook(headers(sign(push), 'issues'), push, deps)).toMatchObject({ status: 202, outcome: 'ignored' });
    const notPush = Buffer.from('{"action":"opened"}');
    expect(await handleGiteaWebhook(headers(sign(notPush)), notPush, deps)).toMatchObject({ status: 400, outcome: 'invalid' });
    expect(requested).toEqual([]);
  });
});
