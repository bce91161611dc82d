// The test registry itself: the real distribution binary serves what the push helpers wrote, and
// enforces the auth it was configured with (htpasswd hashes from bcrypt.ts, tokens from token-server.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OCI_INDEX, OCI_MANIFEST } from './push-image.js';
import { startRegistry, type TestRegistry } from './start-registry.js';

const ACCEPT = `${OCI_INDEX}, ${OCI_MANIFEST}`;
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('startRegistry', () => {
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

    it('serves a pushed image by tag, with the digest the helper computed', async () => {
      const image = await registry.pushImage('acme/web', '1.0.0');
      expect(image.reference).toBe(`${registry.host}/acme/web:1.0.0`);
      const head = await fetch(`${registry.url}/v2/acme/web/manifests/1.0.0`, { method: 'HEAD', headers: { accept: ACCEPT } });
      expect(head.status).toBe(200);
      expect(head.headers.get('docker-content-digest')).toBe(image.digest);
      expect(head.headers.get('content-type')).toBe(OCI_MANIFEST);
      const missing = await fetch(`${registry.url}/v2/acme/web/manifests/9.9.9`, { headers: { accept: ACCEPT } });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    });

    it('pushes a multi-arch image as an index under the tag; each platform manifest by digest', async () => {
      const image = await registry.pushImage('acme/multi', '2.0.0', { platforms: ['linux/amd64', 'linux/arm64'] });
      const get = await fetch(`${registry.url}/v2/acme/multi/manifests/2.0.0`, { headers: { accept: ACCEPT } });
      expect(get.headers.get('content-type')).toBe(OCI_INDEX);
      expect(get.headers.get('docker-content-digest')).toBe(image.digest);
      const index = await get.json() as { manifests: { digest: string; platform: { architecture: string } }[] };
      expect(index.manifests.map((m) => [m.platform.architecture, m.digest])).toEqual(image.manifests.map((m) => [m.platform.split('/')[1], m.digest]));
      for (const m of image.manifests) {
        const platform = await fetch(`${registry.url}/v2/acme/multi/manifests/${m.digest}`, { method: 'HEAD', headers: { accept: ACCEPT } });
        expect(platform.status).toBe(200);
      }
    });

    it('a proxy in front records requests and injects error answers', async () => {
      await registry.pushImage('acme/proxied', '1.0.0');
      const proxy = await registry.startProxy();
      expect((await fetch(`${proxy.url}/v2/acme/proxied/manifests/1.0.0`, { method: 'HEAD', headers: { accept: ACCEPT } })).status).toBe(200);
      proxy.failWith(503, 1);
      expect((await fetch(`${proxy.url}/v2/acme/proxied/manifests/1.0.0`, { method: 'HEAD', headers: { accept: ACCEPT } })).status).toBe(503);
      expect((await fetch(`${proxy.url}/v2/acme/proxied/manifests/1.0.0`, { method: 'HEAD', headers: { accept: ACCEPT } })).status).toBe(200);
      // Without an Accept naming OCI types the registry will not hand an OCI manifest out: a client must send one.
      expect((await fetch(`${proxy.url}/v2/acme/proxied/manifests/1.0.0`, { method: 'HEAD' })).status).toBe(404);
      expect(proxy.requests.map((r) => [r.status, r.injected])).toEqual([[200, false], [503, true], [200, false], [404, false]]);
      expect(proxy.requests[0]!.accept).toBe(ACCEPT);
    });
  });

  it('htpasswd: the registry checks the bcrypt entries; a wrong password is refused', async () => {
    const registry = await start({ auth: { kind: 'htpasswd', users: [{ username: 'ci', password: 'right pass' }] } });
    const image = await registry.pushImage('acme/private', '1.0.0');
    const url = `${registry.url}/v2/acme/private/manifests/1.0.0`;
    const anonymous = await fetch(url, { method: 'HEAD' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await fetch(url, { method: 'HEAD', headers: { authorization: basic('ci', 'wrong') } })).status).toBe(401);
    const ok = await fetch(url, { method: 'HEAD', headers: { accept: ACCEPT, authorization: basic('ci', 'right pass') } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('docker-content-digest')).toBe(image.digest);
  });

  it('token auth: the bearer challenge, a token from the realm, verified by the registry', async () => {
    const registry = await start({ auth: { kind: 'token', users: [{ username: 'ci', password: 'pw' }] } });
    const image = await registry.pushImage('acme/secure', '1.0.0');
    const url = `${registry.url}/v2/acme/secure/manifests/1.0.0`;
    const challenge = await fetch(url, { method: 'HEAD' });
    expect(challenge.status).toBe(401);
    const header = challenge.headers.get('www-authenticate') ?? '';
    expect(header).toContain(`realm="${registry.tokenServer!.realm}"`);
    expect(header).toContain('scope="repository:acme/secure:pull"');

    const tokenUrl = `${registry.tokenServer!.realm}?service=ferry-test-registry&scope=repository:acme/secure:pull`;
    const granted = await (await fetch(tokenUrl, { headers: { authorization: basic('ci', 'pw') } })).json() as { token: string };
    const ok = await fetch(url, { method: 'HEAD', headers: { accept: ACCEPT, authorization: `Bearer ${granted.token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('docker-content-digest')).toBe(image.digest);

    // Without credentials the token grants nothing (anonymousPull is off): the registry refuses it.
    const empty = await (await fetch(tokenUrl)).json() as { token: string };
    expect((await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${empty.token}` } })).status).toBe(401);
    expect((await fetch(tokenUrl, { headers: { authorization: basic('ci', 'nope') } })).status).toBe(401);
    // A token for another repository does not open this one.
    const other = registry.tokenServer!.mint('ci', [{ type: 'repository', name: 'acme/other', actions: ['pull'] }]);
    expect((await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${other}` } })).status).toBe(401);
  });
});
