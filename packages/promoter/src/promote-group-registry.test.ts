// A group promotion asks the registry about every image before anything is written
// (--verify-image / --pin-digest). Real git http-backend, real registry (distribution v3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, startRegistry, type GitServer, type TestRegistry } from '@ferry/testenv';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { createRegistryClient } from './adapters/registry-client.js';
import { promoteGroup } from './promote-group.js';
import { deploymentYaml, fastRetry, readRemote, realClock } from './test/promote-fixtures.js';

describe('promoteGroup with the registry verifying every image', () => {
  let server: GitServer;
  let registry: TestRegistry;
  let n = 0;
  beforeAll(async () => {
    [server, registry] = await Promise.all([startGitServer(), startRegistry()]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), registry?.close()]);
  });

  async function configRepo(): Promise<{ url: string; name: string }> {
    const name = `acme/group-verify-${++n}`;
    const lines = ['environments:', '  dev: { branch: main }', 'apps:'];
    const seed: Record<string, string> = {};
    for (const app of ['web', 'api']) {
      lines.push(`  ${app}:`, `    image: ${registry.host}/acme/${app}`, '    environments:', `      dev: { files: [envs/dev/${app}.yaml] }`);
      seed[`envs/dev/${app}.yaml`] = deploymentYaml(app, `${registry.host}/acme/${app}:1.0.0`);
    }
    seed['ferry.yaml'] = `${lines.join('\n')}\n`;
    return { name, ...(await server.createRepo(name, { seed })) };
  }

  async function group(url: string, tags: { web: string; api: string }, flags: { verifyImage?: boolean; pinDigest?: boolean }) {
    const repo = await openGitWorkspace({ url });
    try {
      return await promoteGroup({
        repo, push: 'direct', clock: realClock, retry: fastRetry, registry: createRegistryClient({ retryDelayMs: 10 }), env: 'dev', ...flags,
        images: [{ image: { name: `${registry.host}/acme/web`, tag: tags.web } }, { image: { name: `${registry.host}/acme/api`, tag: tags.api } }],
      });
    } finally {
      await repo.close();
    }
  }

  it('one image missing from the registry: target.image-not-found (exit 3), nothing pushed', async () => {
    const { url, name } = await configRepo();
    await registry.pushImage('acme/web', '1.1.0');
    const before = (await readRemote(url, 'main', [])).head;
    await expect(group(url, { web: '1.1.0', api: 'never-pushed' }, { verifyImage: true })).rejects.toMatchObject({
      code: 'target.image-not-found', message: expect.stringContaining(`${registry.host}/acme/api:never-pushed is not in the registry`),
    });
    expect((await readRemote(url, 'main', [])).head).toBe(before);
    expect(server.requests.filter((r) => r.repo === name && r.service === 'receive-pack' && r.method === 'POST')).toHaveLength(0);
  });

  it('--pin-digest: every image pinned to the registry digest in the one commit', async () => {
    const { url } = await configRepo();
    const web = await registry.pushImage('acme/web', '1.2.0');
    const api = await registry.pushImage('acme/api', '2.2.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    const result = await group(url, { web: '1.2.0', api: '2.2.0' }, { pinDigest: true });
    expect(result.outcome).toBe('promoted');
    expect(result.apps.map((a) => [a.app, a.verified?.pinned, a.verified?.digest])).toEqual([['web', true, web.digest], ['api', true, api.digest]]);
    const main = await readRemote(url, 'main', ['envs/dev/web.yaml', 'envs/dev/api.yaml']);
    expect(main.head).toBe(result.commit);
    expect(main.files.get('envs/dev/web.yaml')).toContain(`image: ${registry.host}/acme/web:1.2.0@${web.digest}`);
    expect(main.files.get('envs/dev/api.yaml')).toContain(`image: ${registry.host}/acme/api:2.2.0@${api.digest}`);
  });
});
