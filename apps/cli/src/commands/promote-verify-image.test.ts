// `ferry promote --verify-image / --pin-digest`: exit codes, credentials from the environment and
// from a Docker config.json, nothing in the output that is a secret. In-process CLI against the
// real git http-backend and the real registry (distribution v3, tools/testenv).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, startGitServer, startRegistry, type GitServer, type TestRegistry } from '@ferry/testenv';
import { openGitWorkspace } from '@ferry/promoter';
import { main } from '../main.js';

const PASSWORD = 'registry-Pa55word-42';

describe('ferry promote --verify-image / --pin-digest', () => {
  let server: GitServer;
  let registry: TestRegistry;
  let scratch: string;
  let n = 0;
  beforeAll(async () => {
    [server, registry, scratch] = await Promise.all([
      startGitServer(),
      startRegistry({ auth: { kind: 'token', users: [{ username: 'ci', password: PASSWORD }] } }),
      mkdtemp(join(tmpdir(), 'ferry-cli-verify-')),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), registry?.close(), rm(scratch, { recursive: true, force: true })]);
  });

  async function configRepo(): Promise<{ url: string; name: string }> {
    const name = `acme/cli-verify-${++n}`;
    const { url } = await server.createRepo(name, {
      seed: {
        'ferry.yaml': `environments:\n  prod: { branch: main }\napps:\n  web:\n    image: ${registry.host}/acme/web\n    environments:\n      prod: { files: [envs/prod/web.yaml] }\n`,
        'envs/prod/web.yaml': `image: ${registry.host}/acme/web:1.0.0\n`,
      },
    });
    return { url, name };
  }

  async function ferry(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    // HOME points at an empty directory: no ~/.docker/config.json of the machine leaks in.
    const code = await main(['promote', ...args, '--push', 'direct'], {
      stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: scratch, env: { HOME: scratch, ...env },
    });
    expectNoSecrets(`${stdout}\n${stderr}`, `ferry promote ${args.join(' ')}`);
    expect(`${stdout}\n${stderr}`).not.toContain(PASSWORD);
    return { code, stdout, stderr };
  }

  async function state(url: string, name: string): Promise<{ head: string | null; pushes: number }> {
    const ws = await openGitWorkspace({ url });
    try {
      return { head: await ws.fetchBranch('main'), pushes: server.requests.filter((r) => r.repo === name && r.service === 'receive-pack' && r.method === 'POST').length };
    } finally {
      await ws.close();
    }
  }

  const credentials = { FERRY_REGISTRY_USERNAME: 'ci', FERRY_REGISTRY_PASSWORD: PASSWORD };

  it('a tag that was never pushed: exit 3, the reason on stderr, nothing pushed', async () => {
    const { url, name } = await configRepo();
    const before = await state(url, name);
    const run = await ferry(['--repo', url, '--env', 'prod', '--app', 'web', '--image', `${registry.host}/acme/web:this-tag-does-not-exist`, '--verify-image'], credentials);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${registry.host}/acme/web:this-tag-does-not-exist is not in the registry`);
    expect(run.stderr).toContain('hint: push the image first');
    expect(await state(url, name)).toEqual(before);
  });

  it('--pin-digest of a multi-arch image with credentials from the environment: exit 0, the index digest written and printed', async () => {
    const { url } = await configRepo();
    const image = await registry.pushImage('acme/web', '1.4.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    const run = await ferry(['--repo', url, '--env', 'prod', '--app', 'web', '--image', `${image.name}:1.4.0`, '--pin-digest'], credentials);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`registry: ${image.name}:1.4.0 is ${image.digest} (multi-arch image index), pinned`);
    const ws = await openGitWorkspace({ url });
    try {
      const head = await ws.fetchBranch('main');
      expect((await ws.readFiles(head!, ['envs/prod/web.yaml'])).get('envs/prod/web.yaml')).toBe(`image: ${image.name}:1.4.0@${image.digest}\n`);
    } finally {
      await ws.close();
    }
  });

  it('credentials from DOCKER_CONFIG/config.json; wrong ones: exit 5 naming the user, not the password', async () => {
    const image = await registry.pushImage('acme/web', '1.5.0');
    const dir = join(scratch, `docker-${++n}`);
    await mkdir(dir);
    const write = (password: string) => writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`ci:${password}`).toString('base64') } } }));
    await write(PASSWORD);
    const good = await configRepo();
    const ok = await ferry(['--repo', good.url, '--env', 'prod', '--app', 'web', '--image', `${image.name}:1.5.0`, '--verify-image', '--json'], { DOCKER_CONFIG: dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ outcome: 'promoted', verified: { digest: image.digest, pinned: false } });

    await write(`${PASSWORD}-old`);
    const bad = await configRepo();
    const before = await state(bad.url, bad.name);
    const refused = await ferry(['--repo', bad.url, '--env', 'prod', '--app', 'web', '--image', `${image.name}:1.5.0`, '--verify-image'], { DOCKER_CONFIG: dir });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`refused the credentials of ci (from ${join(dir, 'config.json')}`);
    expect(refused.stderr).not.toContain(`${PASSWORD}-old`);
    expect(await state(bad.url, bad.name)).toEqual(before);
  });

  it('anonymous against a registry that needs credentials: exit 5 with how to log in', async () => {
    const { url, name } = await configRepo();
    await registry.pushImage('acme/web', '1.6.0');
    const before = await state(url, name);
    const run = await ferry(['--repo', url, '--env', 'prod', '--app', 'web', '--image', `${registry.host}/acme/web:1.6.0`, '--verify-image']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('does not allow anonymous reads');
    expect(run.stderr).toContain('FERRY_REGISTRY_USERNAME and FERRY_REGISTRY_PASSWORD');
    expect(await state(url, name)).toEqual(before);
  });

  it('a --digest the tag does not name: exit 4, nothing pushed', async () => {
    const { url, name } = await configRepo();
    const image = await registry.pushImage('acme/web', '1.7.0');
    const other = await registry.pushImage('acme/web', '1.7.1');
    const before = await state(url, name);
    const run = await ferry(['--repo', url, '--env', 'prod', '--app', 'web', '--image', `${image.name}:1.7.0`, '--digest', other.digest, '--verify-image'], credentials);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`is ${image.digest} in the registry`);
    expect(await state(url, name)).toEqual(before);
  });

  it('the registry down: exit 5, nothing pushed', async () => {
    const down = await startRegistry();
    const host = down.host;
    await down.close();
    const name = `acme/cli-verify-${++n}`;
    const { url } = await server.createRepo(name, { seed: { 'envs/prod/web.yaml': `image: ${host}/acme/web:1.0.0\n` } });
    const before = await state(url, name);
    const run = await ferry(['--repo', url, '--env', 'prod', '--file', 'envs/prod/web.yaml', '--image', `${host}/acme/web:1.1.0`, '--verify-image']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`registry ${host}`);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(await state(url, name)).toEqual(before);
  });

  it('half of the registry credentials: exit 2 before anything is fetched', async () => {
    const { url, name } = await configRepo();
    const before = await state(url, name);
    const run = await ferry(['--repo', url, '--env', 'prod', '--app', 'web', '--image', `${registry.host}/acme/web:1.0.1`, '--verify-image'], { FERRY_REGISTRY_USERNAME: 'ci' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('FERRY_REGISTRY_USERNAME is set without FERRY_REGISTRY_PASSWORD');
    expect(await state(url, name)).toEqual(before);
  });

  it('--help documents both flags and the registry credentials', async () => {
    const run = await ferry(['--help']);
    for (const text of ['--verify-image', '--pin-digest', 'FERRY_REGISTRY_USERNAME', 'DOCKER_CONFIG']) expect(run.stdout + run.stderr).toContain(text);
  });
});
