// `--pin-digest` into Helm values: the digest is written where the chart reads it, or the promotion
// is refused with file and line. Never the tag alone with the pin silently dropped (issue 11).
// Real git http-backend, real registry (distribution v3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { startGitServer, startRegistry, type GitServer, type TestRegistry } from '@ferry/testenv';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { createRegistryClient } from './adapters/registry-client.js';
import { promote } from './promote.js';
import { fastRetry, readRemote, realClock } from './test/promote-fixtures.js';

describe('promote --pin-digest into Helm values', () => {
  let server: GitServer;
  let registry: TestRegistry;
  let n = 0;
  beforeAll(async () => {
    [server, registry] = await Promise.all([startGitServer(), startRegistry()]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), registry?.close()]);
  });

  async function configRepo(values: string): Promise<{ url: string; name: string }> {
    const name = `acme/pin-helm-${++n}`;
    const seed = {
      'ferry.yaml': ['environments:', '  dev: { branch: main }', 'apps:', '  web:', `    image: ${registry.host}/acme/web`, '    environments:', '      dev: { files: [charts/web/values-dev.yaml] }', ''].join('\n'),
      'charts/web/values-dev.yaml': values,
    };
    return { name, url: (await server.createRepo(name, { seed })).url };
  }

  async function pinPromote(url: string, tag: string) {
    const repo = await openGitWorkspace({ url });
    try {
      return await promote({ repo, env: 'dev', app: 'web', image: { name: `${registry.host}/acme/web`, tag }, pinDigest: true, push: 'direct', clock: realClock, retry: fastRetry, registry: createRegistryClient({ retryDelayMs: 10 }) });
    } finally {
      await repo.close();
    }
  }

  const pushes = (name: string) => server.requests.filter((r) => r.repo === name && r.service === 'receive-pack' && r.method === 'POST').length;

  it('repository and tag but no digest key: input.no-digest-key at file:line with the fix, nothing pushed', async () => {
    const { url, name } = await configRepo(`image:\n  repository: ${registry.host}/acme/web\n  tag: 1.0.0\n  pullPolicy: IfNotPresent\n`);
    const image = await registry.pushImage('acme/web', '1.1.0');
    const before = await readRemote(url, 'main', ['charts/web/values-dev.yaml']);
    const err = await pinPromote(url, '1.1.0').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect(err).toMatchObject({ code: 'input.no-digest-key', file: 'charts/web/values-dev.yaml', line: 3 });
    expect((err as FerryError).message).toBe(`image in charts/web/values-dev.yaml has a tag but no digest key, so the digest ${image.digest} cannot be written`);
    expect((err as FerryError).hint).toMatch(/add a digest key beside tag \(digest: ""\).*write tag once as TAG@sha256:\.\.\..*no --pin-digest/);
    expect(await readRemote(url, 'main', ['charts/web/values-dev.yaml'])).toEqual(before);
    expect(pushes(name)).toBe(0);
  });

  it('with a digest key, the registry digest goes there; with tag: TAG@DIGEST, both parts update in that form', async () => {
    const image = await registry.pushImage('acme/web', '1.2.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    const keyed = await configRepo(`image:\n  repository: ${registry.host}/acme/web\n  tag: 1.0.0\n  digest: ""\n`);
    expect(await pinPromote(keyed.url, '1.2.0')).toMatchObject({ outcome: 'promoted', to: { tag: '1.2.0', digest: image.digest } });
    expect((await readRemote(keyed.url, 'main', ['charts/web/values-dev.yaml'])).files.get('charts/web/values-dev.yaml'))
      .toBe(`image:\n  repository: ${registry.host}/acme/web\n  tag: 1.2.0\n  digest: "${image.digest}"\n`);

    const old = `sha256:${'a'.repeat(64)}`;
    const pinned = await configRepo(`image:\n  repository: ${registry.host}/acme/web\n  tag: 1.0.0@${old}\n`);
    expect(await pinPromote(pinned.url, '1.2.0')).toMatchObject({ outcome: 'promoted', to: { tag: '1.2.0', digest: image.digest } });
    expect((await readRemote(pinned.url, 'main', ['charts/web/values-dev.yaml'])).files.get('charts/web/values-dev.yaml'))
      .toBe(`image:\n  repository: ${registry.host}/acme/web\n  tag: 1.2.0@${image.digest}\n`);
  });
});
