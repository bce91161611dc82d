// `ferry promote --file` on a file ferry.yaml governs: the app's hold and policy, with the exit codes
// `--app` gives (issue 17, bug 5). In-process CLI against the real git http-backend server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, startGitServer, type GitServer } from '@ferry/testenv';
import { openGitWorkspace } from '@ferry/promoter';
import { main } from '../main.js';

function seed(prod: string): Record<string, string> {
  return {
    'ferry.yaml': [
      'environments:',
      '  prod: { branch: main }',
      'apps:',
      '  web:',
      '    image: ghcr.io/acme/web',
      '    environments:',
      `      prod: { files: [envs/prod/web.yaml]${prod} }`,
      '',
    ].join('\n'),
    'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
    'envs/prod/extra.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
  };
}

describe('ferry promote --file on a governed file', () => {
  let server: GitServer;
  let scratch: string;
  let n = 0;
  beforeAll(async () => {
    server = await startGitServer();
    scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-guards-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function ferry(args: string[]): Promise<{ code: number; stdout: string; stderr: string; json: { outcome: string; reason?: string; message: string; app?: string } }> {
    let stdout = '';
    let stderr = '';
    const code = await main(['promote', ...args, '--push', 'direct', '--json'], {
      stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: scratch, env: {},
    });
    expectNoSecrets(`${stdout}\n${stderr}`, `ferry promote ${args.join(' ')}`);
    return { code, stdout, stderr, json: JSON.parse(stdout) as { outcome: string; reason?: string; message: string } };
  }

  async function head(url: string): Promise<string | null> {
    const ws = await openGitWorkspace({ url });
    try {
      return await ws.fetchBranch('main');
    } finally {
      await ws.close();
    }
  }

  it('a hold refuses --file with exit 4 and the message --app gets; nothing is pushed', async () => {
    const { url } = await server.createRepo(`acme/cli-guards${n++}`, { seed: seed(', hold: { reason: "INC-9", by: alice }') });
    const before = await head(url);
    const viaApp = await ferry(['--repo', url, '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0']);
    const viaFile = await ferry(['--repo', url, '--env', 'prod', '--file', './envs/prod/web.yaml', '--image', 'ghcr.io/acme/web:1.3.0']);
    expect(viaApp.code).toBe(4);
    expect(viaFile.code).toBe(4);
    expect(viaFile.json).toMatchObject({ outcome: 'refused', reason: 'hold', app: 'web', message: 'promotion is on hold by alice: INC-9' });
    expect(viaFile.json.message).toBe(viaApp.json.message);
    expect(await head(url)).toBe(before);
  });

  it('a version the policy denies is refused through --file (exit 4); an ungoverned file still promotes (exit 0)', async () => {
    const { url } = await server.createRepo(`acme/cli-guards${n++}`, { seed: seed(', policy: { semver: "<2" }') });
    const before = await head(url);
    const denied = await ferry(['--repo', url, '--env', 'prod', '--file', 'envs/prod/web.yaml', '--image', 'ghcr.io/acme/web:2.0.0']);
    expect(denied.code).toBe(4);
    expect(denied.json).toMatchObject({ outcome: 'refused', reason: 'semver-range' });
    expect(await head(url)).toBe(before);
    const free = await ferry(['--repo', url, '--env', 'prod', '--file', 'envs/prod/extra.yaml', '--image', 'ghcr.io/acme/web:2.0.0']);
    expect(free.code, free.stderr).toBe(0);
    expect(free.json.outcome).toBe('promoted');
  });
});
