// The registry client against the real registry (distribution v3 from tools/testenv): lookups,
// multi-arch indexes, the bearer challenge, basic auth, credentials from a Docker config, and the
// registry down or failing. Errors must never carry a credential.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { expectNoSecrets, startRegistry, type TestRegistry } from '@ferry/testenv';
import { createRegistryClient, isLoopback, parseChallenge, type RegistryClientOptions } from './registry-client.js';

const PASSWORD = 'Pa55-word-for-ci';
const fast: RegistryClientOptions = { retryDelayMs: 10, timeoutMs: 10_000 };

/** A loopback port nothing listens on (bound, then closed). */
async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function failure(run: Promise<unknown>): Promise<FerryError> {
  const err = await run.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FerryError);
  const ferry = err as FerryError;
  expect(ferry.describe()).not.toContain(PASSWORD);
  expectNoSecrets(ferry.describe(), 'registry client error');
  return ferry;
}

describe('createRegistryClient against the real registry', () => {
  const registries: TestRegistry[] = [];
  afterAll(async () => {
    await Promise.all(registries.map((r) => r.close()));
  });
  async function start(options?: Parameters<typeof startRegistry>[0]): Promise<TestRegistry> {
    const registry = await startRegistry(options);
    registries.push(registry);
    return registry;
  }

  describe('anonymous', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await start();
    });

    it('resolves a tag to the manifest digest the registry holds', async () => {
      const image = await registry.pushImage('acme/web', '1.2.0');
      const found = await createRegistryClient(fast).resolveManifest(image.name, '1.2.0');
      expect(found).toEqual({ found: true, digest: image.digest, mediaType: image.mediaType, index: false, registry: registry.host });
    });

    it('a multi-arch tag resolves to the index digest (OCI index and Docker manifest list)', async () => {
      const client = createRegistryClient(fast);
      const oci = await registry.pushImage('acme/multi', '2.0.0', { platforms: ['linux/amd64', 'linux/arm64'] });
      expect(await client.resolveManifest(oci.name, '2.0.0')).toMatchObject({ found: true, digest: oci.digest, index: true, mediaType: 'application/vnd.oci.image.index.v1+json' });
      expect(oci.manifests.map((m) => m.digest)).not.toContain(oci.digest);
      const docker = await registry.pushImage('acme/multi', '2.0.1', { platforms: ['linux/amd64', 'linux/arm64'], format: 'docker' });
      expect(await client.resolveManifest(docker.name, '2.0.1')).toMatchObject({ found: true, digest: docker.digest, index: true, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' });
    });

    it('a digest reference is found as itself; a missing tag or repository is not found, with the registry\'s words', async () => {
      const client = createRegistryClient(fast);
      const image = await registry.pushImage('acme/api', '1.0.0');
      expect(await client.resolveManifest(image.name, image.digest)).toMatchObject({ found: true, digest: image.digest });
      expect(await client.resolveManifest(image.name, 'this-tag-does-not-exist')).toEqual({ found: false, registry: registry.host, detail: expect.stringContaining('MANIFEST_UNKNOWN') });
      // distribution v3 says MANIFEST_UNKNOWN for a repository it never saw too (others say NAME_UNKNOWN).
      expect(await client.resolveManifest(`${registry.host}/acme/never-pushed`, '1.0.0')).toMatchObject({ found: false, detail: expect.stringMatching(/MANIFEST_UNKNOWN|NAME_UNKNOWN/) });
    });

    it('asks with every manifest media type in Accept, by HEAD', async () => {
      const image = await registry.pushImage('acme/accept', '1.0.0');
      const proxy = await registry.startProxy();
      await createRegistryClient(fast).resolveManifest(`${proxy.host}/acme/accept`, '1.0.0');
      const manifestRequests = proxy.requests.filter((r) => r.path.includes('/manifests/'));
      expect(manifestRequests).toEqual([expect.objectContaining({ method: 'HEAD', path: '/v2/acme/accept/manifests/1.0.0', status: 200 })]);
      for (const type of ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']) {
        expect(manifestRequests[0]!.accept).toContain(type);
      }
      expect(image.digest).toMatch(/^sha256:/);
    });

    it('5xx answers are retried; when they persist: registry.unavailable, naming the status', async () => {
      await registry.pushImage('acme/flaky', '1.0.0');
      const proxy = await registry.startProxy();
      const client = createRegistryClient({ ...fast, attempts: 3 });
      proxy.failWith(503, 1);
      expect(await client.resolveManifest(`${proxy.host}/acme/flaky`, '1.0.0')).toMatchObject({ found: true });
      proxy.failWith(502);
      const err = await failure(client.resolveManifest(`${proxy.host}/acme/flaky`, '1.0.0'));
      expect(err.code).toBe('registry.unavailable');
      expect(err.message).toContain('HTTP 502 after 3 tries');
      expect(proxy.requests.filter((r) => r.injected && r.status === 502)).toHaveLength(3);
    });

    it('a registry that is down: registry.unavailable (connection refused)', async () => {
      const port = await findFreePort();
      const err = await failure(createRegistryClient({ ...fast, attempts: 2 }).resolveManifest(`127.0.0.1:${port}/acme/web`, '1.0.0'));
      expect(err.code).toBe('registry.unavailable');
      expect(err.message).toContain('ECONNREFUSED');
    });
  });

  describe('bearer token challenge', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await start({ auth: { kind: 'token', users: [{ username: 'ci', password: PASSWORD }], anonymousPull: true } });
    });

    it('anonymously: a pull token from the realm for exactly the repository, then the manifest', async () => {
      const image = await registry.pushImage('acme/public', '1.0.0', { platforms: ['linux/amd64', 'linux/arm64'] });
      const before = registry.tokenServer!.requests.length;
      expect(await createRegistryClient(fast).resolveManifest(image.name, '1.0.0')).toMatchObject({ found: true, digest: image.digest, index: true });
      expect(registry.tokenServer!.requests.slice(before)).toEqual([{ who: 'anonymous', service: 'ferry-test-registry', scopes: ['repository:acme/public:pull'], status: 200 }]);
    });

    it('with credentials: the token service gets them as basic auth', async () => {
      const image = await registry.pushImage('acme/team', '3.1.0');
      const before = registry.tokenServer!.requests.length;
      const client = createRegistryClient({ ...fast, credentials: { explicit: { username: 'ci', password: PASSWORD } } });
      expect(await client.resolveManifest(image.name, '3.1.0')).toMatchObject({ found: true, digest: image.digest });
      expect(registry.tokenServer!.requests.slice(before).map((r) => r.who)).toEqual(['ci']);
    });

    it('wrong credentials: registry.auth naming the user and where they came from, never the password', async () => {
      const image = await registry.pushImage('acme/team', '3.2.0');
      const client = createRegistryClient({ ...fast, credentials: { explicit: { username: 'ci', password: `${PASSWORD}-wrong` } } });
      const err = await failure(client.resolveManifest(image.name, '3.2.0'));
      expect(err.code).toBe('registry.auth');
      expect(err.message).toContain('refused the credentials of ci (from FERRY_REGISTRY_USERNAME/FERRY_REGISTRY_PASSWORD)');
      expect(err.message).toContain('incorrect username or password');
      expect(err.describe()).not.toContain(`${PASSWORD}-wrong`);
    });
  });

  it('bearer challenge without anonymous pull: anonymous is registry.auth with a hint how to log in', async () => {
    const registry = await start({ auth: { kind: 'token', users: [{ username: 'ci', password: PASSWORD }] } });
    const image = await registry.pushImage('acme/private', '1.0.0');
    const err = await failure(createRegistryClient(fast).resolveManifest(image.name, '1.0.0'));
    expect(err.code).toBe('registry.auth');
    expect(err.message).toContain('does not allow anonymous reads');
    expect(err.hint).toContain('FERRY_REGISTRY_USERNAME');
  });

  describe('basic auth (htpasswd)', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await start({ auth: { kind: 'htpasswd', users: [{ username: 'robot', password: PASSWORD }] } });
    });

    it('credentials from a Docker config.json: "auth" base64 or username/password, keyed by host', async () => {
      const image = await registry.pushImage('acme/web', '1.0.0');
      const auth = Buffer.from(`robot:${PASSWORD}`).toString('base64');
      for (const entry of [{ auth }, { username: 'robot', password: PASSWORD }]) {
        const text = JSON.stringify({ auths: { [`http://${registry.host}`]: entry, 'ghcr.io': { auth: Buffer.from('x:y').toString('base64') } } });
        const client = createRegistryClient({ ...fast, credentials: { dockerConfig: { path: 'docker-config/config.json', text } } });
        expect(await client.resolveManifest(image.name, '1.0.0')).toMatchObject({ found: true, digest: image.digest });
      }
    });

    it('no credentials, a credential helper or wrong ones: registry.auth with the reason', async () => {
      const image = await registry.pushImage('acme/web', '1.1.0');
      const none = await failure(createRegistryClient(fast).resolveManifest(image.name, '1.1.0'));
      expect(none).toMatchObject({ code: 'registry.auth', message: expect.stringContaining('does not allow anonymous reads') });

      const helper = JSON.stringify({ auths: {}, credHelpers: { [registry.host]: 'ecr-login' } });
      const viaHelper = await failure(createRegistryClient({ ...fast, credentials: { dockerConfig: { path: '/c/config.json', text: helper } } }).resolveManifest(image.name, '1.1.0'));
      expect(viaHelper.hint).toContain('docker-credential-ecr-login, which Ferry does not run');

      const text = JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`robot:${PASSWORD}x`).toString('base64') } } });
      const wrong = await failure(createRegistryClient({ ...fast, credentials: { dockerConfig: { path: '/c/config.json', text } } }).resolveManifest(image.name, '1.1.0'));
      expect(wrong.code).toBe('registry.auth');
      expect(wrong.message).toContain(`refused to let robot (from /c/config.json (auths: ${registry.host})) read`);
    });

    it('a broken config.json is an error naming the file, raised only when a registry asks', async () => {
      const image = await registry.pushImage('acme/web', '1.2.0');
      const client = createRegistryClient({ ...fast, credentials: { dockerConfig: { path: '/c/config.json', text: '{"auths": {' } } });
      const err = await failure(client.resolveManifest(image.name, '1.2.0'));
      expect(err).toMatchObject({ code: 'input.invalid-docker-config', file: '/c/config.json' });
      const anonymous = await start();
      const open = await anonymous.pushImage('acme/web', '1.0.0');
      expect(await client.resolveManifest(open.name, '1.0.0')).toMatchObject({ found: true });
    });
  });

  it('plain HTTP only for loopback: another host is asked over HTTPS', async () => {
    expect(['127.0.0.1:5000', 'localhost:5000', '[::1]:5000', 'localhost'].every(isLoopback)).toBe(true);
    expect(['ghcr.io', '10.0.0.1:5000', 'registry.local:5000', '127.example.com'].some(isLoopback)).toBe(false);
    const err = await failure(createRegistryClient({ ...fast, attempts: 1 }).resolveManifest('registry.invalid/acme/web', '1.0.0'));
    expect(err.code).toBe('registry.unavailable');
    expect(err.message).toContain('https://registry.invalid/v2/acme/web/manifests/1.0.0');
  });
});

describe('parseChallenge', () => {
  it('reads the scheme and quoted or bare parameters', () => {
    expect(parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/web:pull"')).toEqual({
      scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/web:pull' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } });
    expect(parseChallenge('Bearer realm=https://auth.docker.io/token, service=registry.docker.io')).toEqual({
      scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' },
    });
    expect(parseChallenge(null)).toBeUndefined();
  });
});
