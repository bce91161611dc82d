// GitHubAppTokens against the GitHub stand-in's real app endpoints (RS256 JWT checked, tokens with
// an expiry): cached, minted again before expiry, one mint for concurrent callers, refusals named.
import { startGitHubEmulator, type GitHubEmulator } from '@ferry/testenv';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { GitHubAppTokens } from './github-app-tokens.js';

const pem = (): string => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const appKey = pem();
let github: GitHubEmulator;
let dir: string;
let keyFile: string;
const issued: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-app-tokens-'));
  github = await startGitHubEmulator({ reposRoot: dir, app: { appId: 99, installationId: 5, privateKeyPem: appKey, tokenLifetimeMs: 3_000 } });
  github.onInstallationToken((token) => issued.push(token));
  keyFile = join(dir, 'key.pem');
  await writeFile(keyFile, appKey, { mode: 0o600 });
});
afterAll(async () => {
  await github?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const tokens = (options: Partial<ConstructorParameters<typeof GitHubAppTokens>[0]> = {}) =>
  new GitHubAppTokens({ apiUrl: github.url, appId: '99', installationId: '5', privateKeyFile: keyFile, ...options });

async function refusal(promise: Promise<unknown>): Promise<FerryError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FerryError);
  return error as FerryError;
}

describe('GitHubAppTokens', () => {
  it('mints once for concurrent callers, reuses the token, mints again when half its life is gone', async () => {
    const source = tokens();
    const before = issued.length;
    const first = await Promise.all([source.token(), source.token(), source.token()]);
    expect(new Set(first).size).toBe(1);
    expect(issued.length - before).toBe(1);
    expect(first[0]).toBe(issued.at(-1));
    expect(await source.token()).toBe(first[0]);
    // The stand-in's token lives 3 s (expires_at in whole seconds), so it is refreshed 1-1.5 s in:
    // time itself is what is tested here, so the test lets 2 s pass.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const second = await source.token();
    expect(second).not.toBe(first[0]);
    expect(source.minted).toBe(2);
    expect(second).toBe(issued.at(-1));
  });

  it('a refused token is dropped and the next call mints a new one', async () => {
    const source = tokens();
    const one = await source.token();
    source.refused('some-other-token');
    expect(await source.token()).toBe(one);
    source.refused(one);
    expect(await source.token()).not.toBe(one);
  });

  it('names a wrong key, an unknown installation and an unreadable key file without showing the key', async () => {
    const otherKey = join(dir, 'other.pem');
    await writeFile(otherKey, pem());
    const wrongKey = await refusal(tokens({ privateKeyFile: otherKey }).token());
    expect(wrongKey.code).toBe('github-app.auth');
    expect(wrongKey.message).toMatch(/GitHub App 99, installation 5: GitHub refused the app's JWT \(HTTP 401/);
    expect(wrongKey.hint).toMatch(/--github-app-private-key-file/);

    const unknown = await refusal(tokens({ installationId: '6' }).token());
    expect(unknown.code).toBe('github-app.auth');
    expect(unknown.message).toMatch(/installation not found \(HTTP 404/);

    const missing = await refusal(tokens({ privateKeyFile: join(dir, 'missing.pem') }).token());
    expect(missing.code).toBe('github-app.key');
    expect(missing.message).toMatch(/cannot read --github-app-private-key-file .*missing\.pem: ENOENT/);

    await writeFile(join(dir, 'not-a-key.pem'), 'not a key');
    const garbage = await refusal(tokens({ privateKeyFile: join(dir, 'not-a-key.pem') }).token());
    expect(garbage.code).toBe('github-app.key');
    for (const error of [wrongKey, unknown, missing, garbage]) expect(`${error.message} ${error.hint ?? ''}`).not.toMatch(/PRIVATE KEY|MII/);
  });
});
