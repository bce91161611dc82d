// The world scan must see what GitHub users see: planted secrets in a pull request body, a
// comment, a commit status and a commit message are each found; a clean world passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulatorWorld, type EmulatorWorld } from '../github/emulator-test-kit.js';
import { collectCommitText, expectNoSecretsInWorld } from './expect-no-secrets.js';
import { TEST_GIT_PASSWORD, TEST_GITHUB_TOKEN } from './test-secrets.js';

describe('expectNoSecretsInWorld', () => {
  let world: EmulatorWorld;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TEST_GITHUB_TOKEN] });
    await world.git.createRepo('acme/scan', { seed: { 'a.yaml': 'a: 1\n' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  const api = (path: string, method: string, body: unknown) => fetch(`${world.github.url}${path}`, {
    method, headers: { authorization: `token ${TEST_GITHUB_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).then(async (r) => { expect(r.status, await r.clone().text()).toBeLessThan(300); return r.json() as Promise<{ number: number }>; });

  it('passes a clean world, then finds a secret in a PR body, a comment, a status and a commit message', async () => {
    const head = await world.pushFiles('acme/scan', 'feature', { 'a.yaml': 'a: 2\n' }, { message: 'change a' });
    const pr = await api('/repos/acme/scan/pulls', 'POST', { head: 'feature', base: 'main', title: 'Change a', body: 'fetched https://x-access-token:***@github.com/acme/scan.git' });
    await expectNoSecretsInWorld(world);

    await api(`/repos/acme/scan/pulls/${pr.number}`, 'PATCH', { body: `fetched https://ci:${TEST_GIT_PASSWORD}@example.com/acme/scan.git` });
    await expect(expectNoSecretsInWorld(world)).rejects.toThrow(/secret leaked in the GitHub stand-in .*\n.*url-credentials: .*ci:<url-credentials>@example\.com/);
    await api(`/repos/acme/scan/pulls/${pr.number}`, 'PATCH', { body: 'clean again' });

    await api(`/repos/acme/scan/issues/${pr.number}/comments`, 'POST', { body: 'key: -----BEGIN EC PRIVATE KEY-----' });
    await expect(expectNoSecretsInWorld(world)).rejects.toThrow(/private-key/);

    const key = `ghs_${'Q'.repeat(36)}`;
    await api(`/repos/acme/scan/statuses/${head}`, 'POST', { state: 'failure', context: 'ferry/prod', description: `auth failed for ${key}` });
    await expect(expectNoSecretsInWorld(world)).rejects.toThrow(/github-token/);

    await world.pushFiles('acme/scan', 'leaky', { 'b.yaml': 'b: 1\n' }, { message: `debug: token ${TEST_GITHUB_TOKEN}` });
    expect((await collectCommitText(world.git)).includes(TEST_GITHUB_TOKEN)).toBe(true);
  });
});
