import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { startGitServer, type GitServer } from '@ferry/testenv';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { promote, type PromoteOptions } from './promote.js';
import { fastRetry, readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

const run = promisify(execFile);

describe('promote --push direct against git http-backend', () => {
  let server: GitServer;
  beforeAll(async () => {
    server = await startGitServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  async function promoteIn(url: string, options: Partial<PromoteOptions> & { env: string }): Promise<Awaited<ReturnType<typeof promote>>> {
    const repo = await openGitWorkspace({ url });
    try {
      return await promote({ repo, push: 'direct', clock: realClock, retry: fastRetry, ...options });
    } finally {
      await repo.close();
    }
  }

  it('commits the edit with trailers; a second run is a no-op; an older build changes nothing', async () => {
    const { url } = await server.createRepo('acme/direct', { seed: seedConfigRepo(['web']) });
    const result = await promoteIn(url, {
      env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.2.0' },
      sourceCommit: 'abc123', buildUrl: 'https://ci.example/run/7',
    });
    expect(result).toMatchObject({ outcome: 'promoted', changed: true, from: [{ tag: '1.0.0' }], to: { tag: '1.2.0' } });
    const after = await readRemote(url, 'main', ['envs/dev/web.yaml', 'envs/staging/web.yaml']);
    expect(after.head).toBe(result.commit);
    expect(after.files.get('envs/dev/web.yaml')).toContain('image: ghcr.io/acme/web:1.2.0');
    expect(after.files.get('envs/dev/web.yaml')).toContain('# keep this comment');
    expect(after.files.get('envs/staging/web.yaml')).toContain('web:1.0.0');

    // History is searchable by trailer with native git.
    const clone = await mkdtemp(join(tmpdir(), 'ferry-direct-'));
    await run('git', ['clone', '-q', url, clone]);
    const { stdout } = await run('git', ['log', '--format=%s%n%(trailers:key=Ferry-Image,valueonly)', '--grep=^Ferry-App: web$', '-1'], { cwd: clone });
    expect(stdout).toContain('promote web to dev: 1.0.0 -> 1.2.0');
    expect(stdout).toContain('ghcr.io/acme/web:1.2.0');
    await rm(clone, { recursive: true, force: true });

    const again = await promoteIn(url, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.2.0' } });
    expect(again).toMatchObject({ outcome: 'unchanged', changed: false });
    const older = await promoteIn(url, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.1.9' } });
    expect(older).toMatchObject({ outcome: 'older', changed: false });
    expect(older.message).toContain('1.2.0');
    expect((await readRemote(url, 'main', [])).head).toBe(result.commit);
  });

  it('--from-env copies the exact tag and digest, and refuses to copy an older one', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const { url } = await server.createRepo('acme/from-env', { seed: seedConfigRepo(['api']) });
    await promoteIn(url, { env: 'staging', app: 'api', image: { name: 'ghcr.io/acme/api', tag: '2.0.0', digest } });
    const copied = await promoteIn(url, { env: 'prod', app: 'api', fromEnv: 'staging' });
    expect(copied).toMatchObject({ outcome: 'promoted', to: { tag: '2.0.0', digest } });
    expect((await readRemote(url, 'main', ['envs/prod/api.yaml'])).files.get('envs/prod/api.yaml')).toContain(`ghcr.io/acme/api:2.0.0@${digest}`);
    // dev (1.0.0) is behind prod now: copying it would roll prod back.
    const back = await promoteIn(url, { env: 'prod', app: 'api', fromEnv: 'dev' });
    expect(back).toMatchObject({ outcome: 'refused', reason: 'downgrade' });
  });

  it('refuses a held environment and a tag outside the policy, without touching the remote', async () => {
    const { url } = await server.createRepo('acme/held', { seed: seedConfigRepo(['web'], { hold: 'rolled back 1.0.1' }) });
    const before = (await readRemote(url, 'main', [])).head;
    const held = await promoteIn(url, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.1.0' } });
    expect(held).toMatchObject({ outcome: 'refused', reason: 'hold', changed: false });
    expect(held.message).toBe('promotion is on hold by oncall: rolled back 1.0.1');
    const { url: url2 } = await server.createRepo('acme/range', { seed: seedConfigRepo(['web'], { prodPolicy: '{ semver: "<2" }' }) });
    expect(await promoteIn(url2, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '2.0.0' } })).toMatchObject({ outcome: 'refused', reason: 'semver-range' });
    expect((await readRemote(url, 'main', [])).head).toBe(before);
  });

  it('--dry-run prints the diff and sends nothing to the server', async () => {
    const { url } = await server.createRepo('acme/dry', { seed: seedConfigRepo(['web']) });
    const before = (await readRemote(url, 'main', [])).head;
    const pushesBefore = server.requests.filter((r) => r.service === 'receive-pack').length;
    const result = await promoteIn(url, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.0.1' }, dryRun: true });
    expect(result.outcome).toBe('dry-run');
    expect(result.diff).toContain('-          image: ghcr.io/acme/web:1.0.0\n+          image: ghcr.io/acme/web:1.0.1');
    expect(server.requests.filter((r) => r.service === 'receive-pack').length).toBe(pushesBefore);
    expect((await readRemote(url, 'main', [])).head).toBe(before);
  });

  it('--file mode works without ferry.yaml; a missing file or image is target.not-found', async () => {
    const { url } = await server.createRepo('acme/plain', { seed: { 'k8s/app.yaml': 'image: docker.io/library/nginx:1.25\n' } });
    const ok = await promoteIn(url, { env: 'prod', files: [{ path: 'k8s/app.yaml' }], image: { name: 'nginx', tag: '1.27' } });
    expect(ok).toMatchObject({ outcome: 'promoted', app: 'nginx' });
    expect((await readRemote(url, 'main', ['k8s/app.yaml'])).files.get('k8s/app.yaml')).toBe('image: docker.io/library/nginx:1.27\n');
    await expect(promoteIn(url, { env: 'prod', files: [{ path: 'k8s/nope.yaml' }], image: { name: 'nginx', tag: '1.28' } })).rejects.toMatchObject({ code: 'target.not-found' });
    await expect(promoteIn(url, { env: 'prod', files: [{ path: 'k8s/app.yaml' }], image: { name: 'redis', tag: '7' } })).rejects.toMatchObject({ code: 'target.not-found' });
    await expect(promoteIn(url, { env: 'prod', app: 'web', image: { name: 'x', tag: '1' } })).rejects.toMatchObject({ code: 'config.not-found' });
  });

  it('lands 20 concurrent promotions of different apps, none lost', async () => {
    const apps = Array.from({ length: 20 }, (_, i) => `app${i}`);
    const { url } = await server.createRepo('acme/many', { seed: seedConfigRepo(apps) });
    // Production backoff (100 ms doubling to 3 s, jittered): what spreads 20 colliding writers out.
    const results = await Promise.all(apps.map((app) => promoteIn(url, { env: 'dev', app, image: { name: `ghcr.io/acme/${app}`, tag: '3.0.0' }, retry: {} })));
    console.log(`20 writers: ${results.reduce((n, r) => n + r.attempts, 0)} attempts in all`);
    expect(results.every((r) => r.outcome === 'promoted')).toBe(true);
    // Pushes really collided and were re-applied on the new head.
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    const { files } = await readRemote(url, 'main', apps.map((a) => `envs/dev/${a}.yaml`));
    for (const app of apps) expect(files.get(`envs/dev/${app}.yaml`)).toContain(`ghcr.io/acme/${app}:3.0.0`);
  }, 180_000);

  it('ends with the highest of 10 shuffled concurrent versions of one app', async () => {
    const { url } = await server.createRepo('acme/race', { seed: seedConfigRepo(['web']) });
    const versions = [7, 2, 9, 4, 10, 1, 6, 3, 8, 5].map((minor) => `1.${minor}.0`);
    const results = await Promise.all(versions.map((tag) => promoteIn(url, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag } })));
    expect(results.every((r) => ['promoted', 'older'].includes(r.outcome))).toBe(true);
    expect(results.find((r) => r.to.tag === '1.10.0')?.outcome).toBe('promoted');
    expect((await readRemote(url, 'main', ['envs/dev/web.yaml'])).files.get('envs/dev/web.yaml')).toContain('ghcr.io/acme/web:1.10.0');
  }, 120_000);

  it('retries 5xx and cut connections, then gives up with nothing half-done', async () => {
    const { url } = await server.createRepo('acme/flaky', { seed: seedConfigRepo(['web']) });
    server.faults.inject({ kind: 'status', status: 502, repo: 'acme/flaky', service: 'receive-pack', times: 2 });
    server.faults.inject({ kind: 'cut', afterBytes: 1, repo: 'acme/flaky', service: 'upload-pack', stage: 'rpc', times: 1 });
    const ok = await promoteIn(url, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.0.5' } });
    expect(ok.outcome).toBe('promoted');
    server.faults.clear();
    const head = (await readRemote(url, 'main', [])).head;

    const down = server.faults.inject({ kind: 'status', status: 503, repo: 'acme/flaky', service: 'receive-pack' });
    const err = await promoteIn(url, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.0.6' } }).catch((e: unknown) => e);
    down.off();
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('git.retries-exhausted');
    expect(down.hits).toBeGreaterThanOrEqual(4);
    expect((await readRemote(url, 'main', [])).head).toBe(head);
  }, 120_000);
});
