// `--verify-image` / `--pin-digest` (and ferry.yaml's verifyImage / pinDigest): the registry is asked
// before anything is written. Real git http-backend, real registry (distribution v3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { expectNoSecretsInWorld, readRefs, startEmulatorWorld, startGitServer, startRegistry, TEST_GITHUB_TOKEN, type EmulatorWorld, type GitServer, type RegistryProxy, type TestRegistry } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { createRegistryClient } from './adapters/registry-client.js';
import { promote, type PromoteOptions } from './promote.js';
import { deploymentYaml, fastRetry, readRemote, realClock } from './test/promote-fixtures.js';

describe('promote with the registry verifying the image', () => {
  let server: GitServer;
  let registry: TestRegistry;
  let n = 0;
  beforeAll(async () => {
    [server, registry] = await Promise.all([startGitServer(), startRegistry()]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), registry?.close()]);
  });

  /** A config repo whose app `web` is `HOST/acme/web`, at 1.0.0 in dev and staging. */
  async function configRepo(host: string, settings: { env?: string; app?: string; stagingVersion?: string } = {}): Promise<{ url: string; name: string }> {
    const name = `acme/verify-${++n}`;
    const image = `${host}/acme/web`;
    const seed = {
      'ferry.yaml': [
        'environments:',
        `  dev: { branch: main${settings.env ?? ''} }`,
        '  staging: { branch: main }',
        'apps:',
        '  web:',
        `    image: ${image}`,
        ...(settings.app ? [`    ${settings.app}`] : []),
        '    environments:',
        '      dev: { files: [envs/dev/web.yaml] }',
        '      staging: { files: [envs/staging/web.yaml] }',
        '',
      ].join('\n'),
      'envs/dev/web.yaml': deploymentYaml('web', `${image}:1.0.0`),
      'envs/staging/web.yaml': deploymentYaml('web', `${image}:${settings.stagingVersion ?? '1.0.0'}`),
    };
    const { url } = await server.createRepo(name, { seed });
    return { url, name };
  }

  async function promoteIn(url: string, options: Partial<PromoteOptions> & { env: string }): Promise<Awaited<ReturnType<typeof promote>>> {
    const repo = await openGitWorkspace({ url });
    try {
      return await promote({ repo, push: 'direct', clock: realClock, retry: fastRetry, registry: createRegistryClient({ retryDelayMs: 10 }), ...options });
    } finally {
      await repo.close();
    }
  }

  /** The remote head and how many pushes reached the repository: both unchanged when nothing was pushed. */
  async function remoteState(url: string, name: string): Promise<{ head: string | null; pushes: number }> {
    const { head } = await readRemote(url, 'main', []);
    return { head, pushes: server.requests.filter((r) => r.repo === name && r.service === 'receive-pack' && r.method === 'POST').length };
  }

  async function refusal(run: Promise<unknown>): Promise<FerryError> {
    const err = await run.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    return err as FerryError;
  }

  it('--verify-image: a tag the registry does not have is target.image-not-found and nothing is pushed', async () => {
    const { url, name } = await configRepo(registry.host);
    await registry.pushImage('acme/web', '1.2.0');
    const before = await remoteState(url, name);
    const err = await refusal(promoteIn(url, { env: 'dev', app: 'web', image: { name: `${registry.host}/acme/web`, tag: 'this-tag-does-not-exist' }, verifyImage: true }));
    expect(err.code).toBe('target.image-not-found');
    expect(err.message).toBe(`${registry.host}/acme/web:this-tag-does-not-exist is not in the registry ${registry.host} (MANIFEST_UNKNOWN: manifest unknown)`);
    expect(err.hint).toContain('nothing was pushed');
    expect(await remoteState(url, name)).toEqual(before);
    expect(before.pushes).toBe(0);
  });

  it('--verify-image: an existing tag is promoted as given (no digest written), with what the registry said', async () => {
    const { url } = await configRepo(registry.host);
    const image = await registry.pushImage('acme/web', '1.3.0');
    const result = await promoteIn(url, { env: 'dev', app: 'web', image: { name: image.name, tag: '1.3.0' }, verifyImage: true });
    expect(result).toMatchObject({ outcome: 'promoted', verified: { digest: image.digest, index: false, pinned: false } });
    const { files } = await readRemote(url, 'main', ['envs/dev/web.yaml']);
    expect(files.get('envs/dev/web.yaml')).toContain(`image: ${image.name}:1.3.0\n`);
  });

  it('--pin-digest on a multi-arch image writes the index digest beside the tag', async () => {
    const { url } = await configRepo(registry.host);
    const image = await registry.pushImage('acme/web', '2.0.0', { platforms: ['linux/amd64', 'linux/arm64', 'linux/s390x'] });
    const result = await promoteIn(url, { env: 'dev', app: 'web', image: { name: image.name, tag: '2.0.0' }, pinDigest: true });
    expect(result).toMatchObject({ outcome: 'promoted', to: { tag: '2.0.0', digest: image.digest }, verified: { digest: image.digest, index: true, pinned: true } });
    const { files } = await readRemote(url, 'main', ['envs/dev/web.yaml']);
    expect(files.get('envs/dev/web.yaml')).toContain(`image: ${image.name}:2.0.0@${image.digest}\n`);
    for (const platform of image.manifests) expect(files.get('envs/dev/web.yaml')).not.toContain(platform.digest);
  });

  it('a --digest that is not what the registry holds for the tag is refused, nothing pushed; the right one passes', async () => {
    const { url, name } = await configRepo(registry.host);
    const image = await registry.pushImage('acme/web', '2.1.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    const before = await remoteState(url, name);
    // A platform's digest is a real digest of this image, but not what the tag names.
    const err = await refusal(promoteIn(url, { env: 'dev', app: 'web', image: { name: image.name, tag: '2.1.0', digest: image.manifests[0]!.digest }, pinDigest: true }));
    expect(err.code).toBe('refused.digest-mismatch');
    expect(err.message).toContain(`is ${image.digest} in the registry`);
    expect(err.hint).toContain('a multi-arch tag names its index digest');
    expect(await remoteState(url, name)).toEqual(before);
    const ok = await promoteIn(url, { env: 'dev', app: 'web', image: { name: image.name, tag: '2.1.0', digest: image.digest }, verifyImage: true });
    expect(ok).toMatchObject({ outcome: 'promoted', to: { tag: '2.1.0', digest: image.digest } });
  });

  it('ferry.yaml: verifyImage on the environment checks without a flag; the app can turn it off', async () => {
    const checked = await configRepo(registry.host, { env: ', verifyImage: true' });
    const before = await remoteState(checked.url, checked.name);
    const err = await refusal(promoteIn(checked.url, { env: 'dev', app: 'web', image: { name: `${registry.host}/acme/web`, tag: 'never-built' } }));
    expect(err.code).toBe('target.image-not-found');
    expect(await remoteState(checked.url, checked.name)).toEqual(before);

    const proxy = await registry.startProxy();
    const off = await configRepo(proxy.host, { env: ', verifyImage: true', app: 'verifyImage: false' });
    const result = await promoteIn(off.url, { env: 'dev', app: 'web', image: { name: `${proxy.host}/acme/web`, tag: '9.9.9' } });
    expect(result.outcome).toBe('promoted');
    expect(result.verified).toBeUndefined();
    expect(proxy.requests).toEqual([]);
  });

  it('ferry.yaml: pinDigest pins; --from-env copies the source version and pins the registry\'s digest', async () => {
    const image = await registry.pushImage('acme/web', '3.0.0');
    const { url } = await configRepo(registry.host, { app: 'pinDigest: true', stagingVersion: '1.0.0' });
    const dev = await promoteIn(url, { env: 'dev', app: 'web', image: { name: image.name, tag: '3.0.0' } });
    expect(dev).toMatchObject({ outcome: 'promoted', to: { tag: '3.0.0', digest: image.digest } });
    const staging = await promoteIn(url, { env: 'staging', app: 'web', fromEnv: 'dev' });
    expect(staging).toMatchObject({ outcome: 'promoted', to: { tag: '3.0.0', digest: image.digest }, verified: { digest: image.digest } });
  });

  it('--from-env whose pinned digest the tag no longer names (pushed again since) is refused', async () => {
    const first = await registry.pushImage('acme/web', '4.0.0');
    const { url, name } = await configRepo(registry.host);
    await promoteIn(url, { env: 'dev', app: 'web', image: { name: first.name, tag: '4.0.0' }, pinDigest: true });
    const again = await registry.pushImage('acme/web', '4.0.0');
    const before = await remoteState(url, name);
    const err = await refusal(promoteIn(url, { env: 'staging', app: 'web', fromEnv: 'dev', verifyImage: true }));
    expect(err.code).toBe('refused.digest-mismatch');
    expect(err.message).toContain(`is ${again.digest} in the registry`);
    expect(err.message).toContain(first.digest);
    expect(await remoteState(url, name)).toEqual(before);
  });

  describe('the registry failing', () => {
    let proxy: RegistryProxy;
    beforeAll(async () => {
      proxy = await registry.startProxy();
    });

    it('5xx that persists: registry.unavailable, nothing pushed', async () => {
      await registry.pushImage('acme/web', '5.0.0');
      const { url, name } = await configRepo(proxy.host);
      proxy.failWith(503);
      const before = await remoteState(url, name);
      const err = await refusal(promoteIn(url, { env: 'dev', app: 'web', image: { name: `${proxy.host}/acme/web`, tag: '5.0.0' }, verifyImage: true }));
      proxy.clearFaults();
      expect(err.code).toBe('registry.unavailable');
      expect(err.message).toContain('HTTP 503');
      expect(await remoteState(url, name)).toEqual(before);
    });

    it('a dry run asks the registry too (and still writes nothing)', async () => {
      const { url, name } = await configRepo(registry.host);
      const before = await remoteState(url, name);
      const err = await refusal(promoteIn(url, { env: 'dev', app: 'web', image: { name: `${registry.host}/acme/web`, tag: 'missing' }, verifyImage: true, dryRun: true }));
      expect(err.code).toBe('target.image-not-found');
      expect(await remoteState(url, name)).toEqual(before);
    });
  });

  it('verification asked for without a registry port is an input error', async () => {
    const { url } = await configRepo(registry.host);
    const err = await refusal(promoteIn(url, { env: 'dev', app: 'web', image: { name: `${registry.host}/acme/web`, tag: '1.0.1' }, verifyImage: true, registry: undefined }));
    expect(err.code).toBe('input.missing');
  });
});

describe('promote --push pr with the registry verifying the image (GitHub stand-in)', () => {
  let world: EmulatorWorld;
  let registry: TestRegistry;
  let n = 0;
  beforeAll(async () => {
    [world, registry] = await Promise.all([startEmulatorWorld({ tokens: [TEST_GITHUB_TOKEN] }), startRegistry()]);
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await Promise.all([world?.close(), registry?.close()]);
  });

  async function promoteInPr(options: Partial<PromoteOptions> & { env: string }): Promise<{ name: string; url: string; result?: Awaited<ReturnType<typeof promote>>; error?: unknown }> {
    const name = `acme/verify-pr-${++n}`;
    const image = `${registry.host}/acme/web`;
    const { url } = await world.git.createRepo(name, {
      seed: {
        'ferry.yaml': `environments:\n  prod: { branch: main }\napps:\n  web:\n    image: ${image}\n    environments:\n      prod: { files: [envs/prod/web.yaml] }\n`,
        'envs/prod/web.yaml': deploymentYaml('web', `${image}:1.0.0`),
      },
    });
    const { host, gitAuth } = await connectGitHub({ owner: 'acme', repo: name.split('/')[1]!, auth: { kind: 'token', token: TEST_GITHUB_TOKEN }, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5, maxRetries: 3 } });
    const repo = await openGitWorkspace({ url: world.git.repoUrl(name), auth: await gitAuth() });
    try {
      return { name, url, result: await promote({ repo, host, push: 'pr', clock: realClock, retry: fastRetry, registry: createRegistryClient({ retryDelayMs: 10 }), ...options }) };
    } catch (error) {
      return { name, url, error };
    } finally {
      await repo.close();
    }
  }

  it('--pin-digest: the pull request carries tag and index digest, in its branch and its text', async () => {
    const image = await registry.pushImage('acme/web', '1.5.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    const { name, url, result } = await promoteInPr({ env: 'prod', app: 'web', image: { name: image.name, tag: '1.5.0' }, pinDigest: true });
    expect(result).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'created' }, verified: { digest: image.digest, index: true, pinned: true } });
    expect((await readRemote(url, result!.branch, ['envs/prod/web.yaml'])).files.get('envs/prod/web.yaml')).toContain(`image: ${image.name}:1.5.0@${image.digest}\n`);
    const pulls = [...world.github.state.repos.get(name)?.pulls.values() ?? []];
    expect(pulls).toHaveLength(1);
    expect(`${pulls[0]!.title}\n${pulls[0]!.body}`).toContain(image.digest.slice(0, 19));
  });

  it('a missing tag: no branch, no pull request, no push', async () => {
    const { name, error } = await promoteInPr({ env: 'prod', app: 'web', image: { name: `${registry.host}/acme/web`, tag: 'this-tag-does-not-exist' }, verifyImage: true });
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe('target.image-not-found');
    expect((await readRefs(world.git.repoPath(name))).trim().split('\n').map((line) => line.split(' ')[0])).toEqual(['refs/heads/main']);
    expect(world.github.state.repos.get(name)?.pulls.length ?? 0).toBe(0);
    expect(world.git.requests.filter((r) => r.repo === name && r.service === 'receive-pack')).toEqual([]);
  });
});
