// `ferry promote --wait-live` as a GitHub App outlives its installation tokens: the stand-in issues
// tokens that live 8 s (GitHub's live an hour) and refuses them afterwards on the API and on git.
// The "agent" reports the merge live only once every token issued before the wait began has
// expired, so CI can see it live only with a token renewed during the wait.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import { main } from '../main.js';

const PAT = 'ghp_renewaltokenrenewaltokenrenew0000';
const APP_ID = 5151;
const TOKEN_LIFETIME_MS = 8_000;
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
let world: EmulatorWorld;
let scratch: string;
const issued: { token: string; expiresAt: Date }[] = [];

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [PAT], gitAuth: true, app: { appId: APP_ID, privateKeyPem: pem, tokenLifetimeMs: TOKEN_LIFETIME_MS } });
  world.github.onInstallationToken((token, expiresAt) => issued.push({ token, expiresAt }));
  scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-renewal-'));
});
afterAll(async () => {
  if (world) await expectNoSecretsInWorld(world);
  await world?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('ferry promote --wait-live with a GitHub App', () => {
  it('renews the installation token before it expires and sees the merge live after the first token died', async () => {
    const repo = 'acme/renewal';
    const { url } = await world.git.createRepo(repo, {
      seed: {
        'ferry.yaml': 'environments:\n  prod: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      prod: { files: [envs/prod/web.yaml] }\n',
        'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
      },
    });
    let stdout = '';
    let stderr = '';
    let agent: Promise<void> | undefined;
    let waitedFrom = 0;
    const report = async (sha12: string): Promise<void> => {
      waitedFrom = issued.length;
      const lastExpiry = Math.max(...issued.map((t) => t.expiresAt.getTime()));
      // Time itself is under test: the agent answers when every token CI held so far is dead.
      await new Promise((resolve) => setTimeout(resolve, lastExpiry - Date.now() + 500));
      const head = await fetch(`${world.github.url}/repos/${repo}/git/ref/heads/main`, { headers: { authorization: `token ${PAT}` } });
      const sha = ((await head.json()) as { object: { sha: string } }).object.sha;
      expect(sha.startsWith(sha12)).toBe(true);
      const posted = await fetch(`${world.github.url}/repos/${repo}/statuses/${sha}`, {
        method: 'POST', headers: { authorization: `token ${PAT}`, 'content-type': 'application/json' },
        body: JSON.stringify({ state: 'success', context: 'ferry/eu/apps/web', description: 'applied and healthy: 1 configured' }),
      });
      expect(posted.status).toBe(201);
    };
    const code = await main(['promote', '--repo', url, '--github-api-url', world.github.url, '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0',
      '--auto-merge', '--wait-live', '--clusters', 'eu', '--timeout', '90s'], {
      stdout: { write: (c: string) => (stdout += c) },
      stderr: {
        write: (c: string) => {
          stderr += c;
          const m = /waiting until ([0-9a-f]{12}) is live/.exec(c);
          if (m) agent = report(m[1]!);
        },
      },
      cwd: scratch, env: { FERRY_GITHUB_APP_ID: String(APP_ID), FERRY_GITHUB_APP_PRIVATE_KEY: pem },
    });
    await agent;
    expectNoSecrets(`${stdout}\n${stderr}`, 'ferry promote as a GitHub App');
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/eu: live: apps\/web: applied and healthy: 1 configured/);
    // Tokens were renewed during the wait, and no request was refused for an expired one.
    expect(issued.length).toBeGreaterThan(waitedFrom);
    expect(world.github.requests.filter((r) => r.status === 401)).toEqual([]);
  }, 120_000);
});
