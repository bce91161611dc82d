// `ferry status` and `ferry rollback` in-process against real repositories: git http-backend and
// the GitHub stand-in (statuses posted the way the agent's reporter posts them).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, runGit, startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import { main } from '../main.js';

const TOKEN = 'ghp_rollbacktokenrollbacktoken0000000';
let world: EmulatorWorld;
let scratch: string;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
  scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-rollback-'));
});
afterAll(async () => {
  if (world) await expectNoSecretsInWorld(world);
  await world?.close();
  await rm(scratch, { recursive: true, force: true });
});

const seed = {
  'ferry.yaml': [
    '# config repo',
    'environments:',
    '  prod: { branch: main }',
    'apps:',
    '  web:',
    '    image: ghcr.io/acme/web',
    '    environments:',
    '      prod:',
    '        files: [envs/prod/web.yaml]   # one file',
    '',
  ].join('\n'),
  'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
};

async function ferry(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: scratch,
    env: { FERRY_GITHUB_TOKEN: TOKEN, ...env },
  });
  expectNoSecrets(`${stdout}\n${stderr}`, `ferry ${args.join(' ')}`);
  return { code, stdout, stderr };
}

async function git(path: string, ...args: string[]): Promise<string> {
  return (await runGit(['--git-dir', path, ...args])).stdout.trim();
}

async function post(repo: string, sha: string, context: string, state: string, description: string): Promise<void> {
  const res = await fetch(`${world.github.url}/repos/${repo}/statuses/${sha}`, {
    method: 'POST', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ state, context, description }),
  });
  expect(res.status).toBe(201);
}

describe('ferry status and ferry rollback', () => {
  it('status shows git and clusters; rollback goes back one version with a hold, refuses to go back to a rolled-back version, a hold blocks promotion until released', async () => {
    const name = 'acme/rb';
    const { url, path } = await world.git.createRepo(name, { seed });
    const api = ['--repo', url, '--github-api-url', world.github.url];
    for (const tag of ['1.1.0', '1.2.0']) {
      expect((await ferry(['promote', ...api, '--env', 'prod', '--app', 'web', '--image', `ghcr.io/acme/web:${tag}`, '--push', 'direct'])).code).toBe(0);
    }
    const head = await git(path, 'rev-parse', 'main');
    const previous = await git(path, 'rev-parse', 'main~1');
    await post(name, head, 'ferry/eu/apps/web', 'success', 'applied and healthy: 1 configured');
    await post(name, previous, 'ferry/us/apps/web', 'failure', 'HealthCheckFailed: Deployment apps/web: 0/1 replicas available');

    const status = await ferry(['status', ...api, '--env', 'prod', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      env: 'prod', branch: 'main', head,
      apps: [{ app: 'web', image: 'ghcr.io/acme/web', versions: [{ tag: '1.2.0' }], promoted: { commit: head } }],
      clusters: [
        { cluster: 'eu', sync: 'apps/web', commit: head, behind: 0, state: 'success', apps: { web: '1.2.0' } },
        { cluster: 'us', sync: 'apps/web', commit: previous, behind: 1, state: 'failure', description: 'HealthCheckFailed: Deployment apps/web: 0/1 replicas available', apps: { web: '1.1.0' } },
      ],
    });
    const human = await ferry(['status', ...api, '--env', 'prod']);
    expect(human.stdout).toContain(`environment prod: branch main at ${head.slice(0, 12)}`);
    expect(human.stdout).toMatch(/us\s+apps\/web\s+[0-9a-f]{12} \(1 behind\)\s+FAILED\s+web 1\.1\.0\s+HealthCheckFailed/);

    const rolled = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--push', 'direct', '--reason', 'INC-7: 1.2.0 leaks memory', '--by', 'alice']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('rolled back web in prod: 1.2.0 -> 1.1.0');
    expect(await git(path, 'show', 'main:envs/prod/web.yaml')).toBe('image: ghcr.io/acme/web:1.1.0');
    const config = await git(path, 'show', 'main:ferry.yaml');
    expect(config).toMatch(/^ {8}files: \[envs\/prod\/web.yaml\]   # one file\n {8}hold: \{ reason: "INC-7: 1.2.0 leaks memory", by: "alice", since: "\d{4}-\d\d-\d\dT[\d:]+Z" \}$/m);
    expect(config.replace(/\n {8}hold: .*$/m, '') + '\n').toBe(seed['ferry.yaml']);
    const message = await git(path, 'log', '-1', '--format=%B', 'main');
    expect(message).toMatch(/^roll back web in prod: 1\.2\.0 -> 1\.1\.0\n/);
    expect(message).toContain('Rollback: INC-7: 1.2.0 leaks memory');
    expect(message).toMatch(/Ferry-App: web\nFerry-Env: prod\nFerry-Image: ghcr.io\/acme\/web:1\.1\.0\nFerry-Rollback-From: ghcr.io\/acme\/web:1\.2\.0$/);

    // Automation is held back; status shows the hold and the rollback.
    const held = await ferry(['promote', ...api, '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0', '--push', 'direct']);
    expect(held.code).toBe(4);
    expect(held.stdout + held.stderr).toContain('promotion is on hold by alice: INC-7: 1.2.0 leaks memory');
    expect((await ferry(['status', ...api, '--env', 'prod'])).stdout).toMatch(/web\s+1\.1\.0\s+[0-9a-f]{12} \(rollback from ghcr\.io\/acme\/web:1\.2\.0\)\s+INC-7: 1\.2\.0 leaks memory \(by alice\)/);

    // 1.2.0 was rolled back from and 1.1.0 is in place: nothing earlier in history.
    const again = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--push', 'direct']);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('no earlier version in history to roll back to (in place: 1.1.0; history has: 1.1.0, 1.2.0)');
    const unknown = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--to', '0.1.0', '--push', 'direct']);
    expect(unknown.code).toBe(3);
    expect(await git(path, 'show', 'main:envs/prod/web.yaml')).toBe('image: ghcr.io/acme/web:1.1.0');

    // Releasing the hold restores ferry.yaml byte for byte; promotions go through again.
    const released = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--release', '--push', 'direct', '--by', 'bob']);
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toMatch(/^released the hold on web in prod \(commit [0-9a-f]{12} on main\)/);
    expect(`${await git(path, 'show', 'main:ferry.yaml')}\n`).toBe(seed['ferry.yaml']);
    expect((await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--release', '--push', 'direct'])).stdout).toBe('web in prod is not on hold; nothing to release\n');
    expect((await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--release', '--to', '1.0.0'])).code).toBe(2);
    expect((await ferry(['promote', ...api, '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0', '--push', 'direct'])).code).toBe(0);
  });

  it('rolls back through a pull request marked as a rollback (explicit --to; a version never promoted is refused), then releases the hold through a pull request', async () => {
    const name = 'acme/rb-pr';
    const { url, path } = await world.git.createRepo(name, { seed });
    const api = ['--repo', url, '--github-api-url', world.github.url];
    for (const tag of ['1.1.0', '1.2.0']) {
      expect((await ferry(['promote', ...api, '--env', 'prod', '--app', 'web', '--image', `ghcr.io/acme/web:${tag}`, '--push', 'direct'])).code).toBe(0);
    }
    const result = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--to', '1.0.0', '--auto-merge', '--json'], { GITHUB_ACTOR: 'ci-bot' });
    expect(result.code, result.stderr).toBe(3); // 1.0.0 came from the seed, not a promotion: not in history
    const pr = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--to', '1.1.0', '--auto-merge', '--json'], { GITHUB_ACTOR: 'ci-bot' });
    expect(pr.code, pr.stderr).toBe(0);
    const json = JSON.parse(pr.stdout) as { outcome: string; rollback: { hold: { by: string } } };
    expect(json).toMatchObject({ outcome: 'promoted', rollback: { hold: { by: 'ci-bot' } } });
    const pull = [...world.github.state.repos.get(name)!.pulls.values()][0]!;
    expect(pull.title).toBe('Roll back web in prod to 1.1.0');
    expect(pull.body).toMatch(/^\*\*Rollback\*\* from `ghcr.io\/acme\/web:1.2.0`/);
    expect(await git(path, 'show', 'main:envs/prod/web.yaml')).toBe('image: ghcr.io/acme/web:1.1.0');
    expect(await git(path, 'show', 'main:ferry.yaml')).toContain('hold: { reason: "rolled back from 1.2.0 to 1.1.0", by: "ci-bot", since: "');
    const release = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--release', '--auto-merge']);
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toMatch(/^merged pull request #2 as [0-9a-f]{12}: released the hold on web in prod/);
    expect([...world.github.state.repos.get(name)!.pulls.values()].map((p) => p.title)).toEqual(['Roll back web in prod to 1.1.0', 'Release the hold on web in prod']);
    expect(`${await git(path, 'show', 'main:ferry.yaml')}\n`).toBe(seed['ferry.yaml']);
  });
});
