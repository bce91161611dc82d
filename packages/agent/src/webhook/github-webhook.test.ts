import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleGitHubWebhook, normalizeRepoUrl, ReplayGuard, syncMatchesPush, verifyGitHubSignature } from './github-webhook.js';

const secret = 'It5-a-s3cret';
const sign = (body: Buffer, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
const push = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: 'https://git.example/Acme/app.git', html_url: 'https://git.example/Acme/app' } }));

describe('verifyGitHubSignature', () => {
  it.each([
    ['the right signature', sign(push), true],
    ['another secret', sign(push, 'other'), false],
    ['a changed body', sign(Buffer.from(push.toString().replace('main', 'prod'))), false],
    ['sha1 header', `sha1=${createHmac('sha1', secret).update(push).digest('hex')}`, false],
    ['truncated digest', sign(push).slice(0, 20), false],
    ['not hex', 'sha256=zz', false],
    ['missing', undefined, false],
  ])('%s -> %s', (_name, header, expected) => {
    expect(verifyGitHubSignature(secret, push, header)).toBe(expected);
  });

  it('an empty secret never verifies', () => {
    expect(verifyGitHubSignature('', push, sign(push, ''))).toBe(false);
  });
});

describe('ReplayGuard', () => {
  it('accepts an id once within the window, again after it', () => {
    let now = 0;
    const guard = new ReplayGuard(1_000, 100, () => now);
    expect(guard.accept('a')).toBe(true);
    expect(guard.accept('a')).toBe(false);
    now = 999;
    expect(guard.accept('a')).toBe(false);
    now = 2_100;
    expect(guard.accept('a')).toBe(true);
  });

  it('forgets the oldest ids beyond its capacity', () => {
    const guard = new ReplayGuard(60_000, 2, () => 0);
    for (const id of ['a', 'b', 'c']) expect(guard.accept(id)).toBe(true);
    expect(guard.accept('c')).toBe(false);
    expect(guard.accept('a')).toBe(true);
  });
});

describe('matching Syncs', () => {
  it.each([
    ['https://git.example/acme/app', { branch: 'main' }, true],
    ['https://user:pw@GIT.example/acme/app.git/', { branch: 'main' }, true],
    ['https://git.example/acme/app', undefined, true],
    ['https://git.example/acme/app', { branch: 'prod' }, false],
    ['https://git.example/acme/app', { tag: 'main' }, false],
    ['https://git.example/acme/app', { commit: 'a'.repeat(40) }, false],
    ['https://git.example/acme/app-worker', { branch: 'main' }, false],
  ])('%s %j -> %s', (url, ref, expected) => {
    expect(syncMatchesPush({ url, ref }, { urls: ['https://git.example/Acme/app.git'], ref: 'refs/heads/main' })).toBe(expected);
  });

  it('normalizes ssh and https forms alike', () => {
    expect(normalizeRepoUrl('git@github.com:Acme/App.git')).toBe(normalizeRepoUrl('https://github.com/acme/app'));
  });
});

describe('handleGitHubWebhook', () => {
  const setup = () => {
    const requested: string[] = [];
    const deps = {
      secret, replay: new ReplayGuard(),
      findSyncs: (matches: (spec: { url?: unknown; ref?: unknown }) => boolean) =>
        [{ namespace: 'a', name: 'app', spec: { url: 'https://git.example/acme/app' } }, { namespace: 'b', name: 'other', spec: { url: 'https://git.example/acme/other' } }]
          .filter((s) => matches(s.spec)).map(({ namespace, name }) => ({ namespace, name })),
      requestReconcile: async (s: { namespace: string; name: string }) => void requested.push(`${s.namespace}/${s.name}`),
    };
    return { deps, requested };
  };
  const headers = (body: Buffer, delivery = 'd-1', event = 'push') => ({ 'x-hub-signature-256': sign(body), 'x-github-delivery': delivery, 'x-github-event': event });

  it('a signed push requests a reconcile of the matching Syncs only', async () => {
    const { deps, requested } = setup();
    const result = await handleGitHubWebhook(headers(push), push, deps);
    expect(result).toMatchObject({ status: 202, outcome: 'accepted' });
    expect(requested).toEqual(['a/app']);
  });

  it('a forged request is refused before anything else, and does not burn the delivery id', async () => {
    const { deps, requested } = setup();
    expect(await handleGitHubWebhook({ ...headers(push), 'x-hub-signature-256': sign(push, 'guess') }, push, deps)).toMatchObject({ status: 401, outcome: 'forged' });
    expect(requested).toEqual([]);
    expect(await handleGitHubWebhook(headers(push), push, deps)).toMatchObject({ status: 202 });
  });

  it('a replayed delivery is refused', async () => {
    const { deps, requested } = setup();
    await handleGitHubWebhook(headers(push), push, deps);
    expect(await handleGitHubWebhook(headers(push), push, deps)).toMatchObject({ status: 409, outcome: 'replayed' });
    expect(requested).toEqual(['a/app']);
  });

  it('the same signed body with a fresh delivery id or another event name is a replay too (neither header is signed)', async () => {
    const { deps, requested } = setup();
    await handleGitHubWebhook(headers(push, 'd-1'), push, deps);
    expect(await handleGitHubWebhook(headers(push, 'd-2'), push, deps)).toMatchObject({ status: 409, outcome: 'replayed' });
    expect(await handleGitHubWebhook(headers(push, 'd-3', 'ping'), push, deps)).toMatchObject({ status: 409, outcome: 'replayed' });
    const next = Buffer.from(push.toString('utf8').replace(/"after":"[0-9a-f]+"/, `"after":"${'b'.repeat(40)}"`));
    expect(next.equals(push)).toBe(false);
    expect(await handleGitHubWebhook(headers(next, 'd-4'), next, deps)).toMatchObject({ status: 202, outcome: 'accepted' });
    expect(requested).toEqual(['a/app', 'a/app']);
  });

  it('ping answers pong; other events are ignored; a broken payload is invalid', async () => {
    const { deps, requested } = setup();
    const ping = Buffer.from('{"zen":"hi","hook_id":1}');
    const issues = Buffer.from('{"action":"opened"}');
    expect(await handleGitHubWebhook(headers(ping, 'p', 'ping'), ping, deps)).toMatchObject({ status: 200 });
    expect(await handleGitHubWebhook(headers(issues, 'i', 'issues'), issues, deps)).toMatchObject({ status: 202, outcome: 'ignored' });
    const broken = Buffer.from('{"zen":1}');
    expect(await handleGitHubWebhook(headers(broken, 'x'), broken, deps)).toMatchObject({ status: 400, outcome: 'invalid' });
    expect(requested).toEqual([]);
  });
});
