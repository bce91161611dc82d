import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, startEmulatorWorld, TEST_CLI_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { openGitWorkspace } from '@ferry/promoter';
import { main } from '../main.js';
import { resolveRepo } from './connect-repo.js';
import { parseDuration } from './promote.js';

const TOKEN = TEST_CLI_GITHUB_TOKEN;

function seed(hold = false): Record<string, string> {
  return {
    'ferry.yaml': [
      'environments:',
      '  dev: { branch: main, labels: [promotion] }',
      '  prod: { branch: main }', // no promotesFrom: its gate is tested with a real agent (tools/demo)
      'apps:',
      '  web:',
      '    image: ghcr.io/acme/web',
      '    environments:',
      '      dev: { files: [envs/dev/web.yaml] }',
      `      prod: { files: [envs/prod/web.yaml]${hold ? ', hold: { reason: "incident 12", by: bob }' : ''} }`,
      '',
    ].join('\n'),
    'envs/dev/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
    'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
  };
}

async function readMain(url: string, path: string): Promise<{ head: string | null; content: string | null | undefined }> {
  const ws = await openGitWorkspace({ url });
  try {
    const head = await ws.fetchBranch('main');
    return { head, content: head ? (await ws.readFiles(head, [path])).get(path) : undefined };
  } finally {
    await ws.close();
  }
}

describe('ferry promote (in-process CLI against git http-backend and the GitHub emulator)', () => {
  let world: EmulatorWorld;
  let scratch: string;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN] });
    scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-promote-'));
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function repo(hold = false): Promise<{ name: string; url: string }> {
    const name = `acme/cli${n++}`;
    return { name, ...(await world.git.createRepo(name, { seed: seed(hold) })) };
  }

  async function ferry(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(['promote', ...args], {
      stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: scratch, env,
    });
    expectNoSecrets(`${stdout}\n${stderr}`, `ferry promote ${args.join(' ')}`);
    return { code, stdout, stderr };
  }

  it.each([
    [['--env', 'dev', '--app', 'web', '--image', 'x:1'], /--repo is required/],
    [['--repo', 'a/b', '--env', 'dev', '--app', 'web', '--file', 'f.yaml', '--image', 'x:1'], /either --app or --file/],
    [['--repo', 'a/b', '--env', 'dev', '--app', 'web'], /--image .* or --from-env/],
    [['--repo', 'a/b', '--env', 'dev', '--app', 'web', '--image', 'x:1', '--push', 'merge'], /--push must be/],
    [['--repo', 'a/b', '--env', 'dev', '--app', 'web', '--image', 'x:1', '--timeout', '5m'], /--timeout only applies/],
    [['--repo', 'a/b', '--env', 'dev', '--app', 'web', '--image', 'Bad Image'], /invalid image reference/],
    [['--repo', 'a/b', '--env', 'dev', '--key', 'a.b', '--file', 'f', '--image', 'x:1'], /--key must follow/],
    [['--repo', 'a/b', '--env', 'dev', '--app', 'web', '--image', 'x'], /has no tag or digest/],
    [['--repo', 'https://u:hunter2secret@example.com/a/b.git', '--env', 'dev', '--app', 'web', '--image', 'x:1'], /must not carry credentials/],
  ])('exits 2 on bad input: %j', async (args, message) => {
    const result = await ferry(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain('hunter2secret');
  });

  it('--push direct: exit 0, human summary, GitHub Actions outputs and job summary', async () => {
    const { url } = await repo();
    const output = join(scratch, 'out1');
    const summary = join(scratch, 'summary1');
    const result = await ferry(['--repo', url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0', '--push', 'direct', '--source-commit', 'f00d'],
      { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^promoted web in dev: 1\.0\.0 -> 1\.1\.0 \(commit [0-9a-f]{12} on main\)/);
    expect(result.stderr).toContain('ferry promote: fetching ferry.yaml from the default branch');
    const main = await readMain(url, 'envs/dev/web.yaml');
    expect(main.content).toBe('image: ghcr.io/acme/web:1.1.0\n');
    expect(await readFile(output, 'utf8')).toBe(`changed=true\npr-number=\npr-url=\nmerge-sha=${main.head}\n`);
    const md = await readFile(summary, 'utf8');
    expect(md).toContain('### ferry promote: web → dev');
    expect(md).toContain('| `envs/dev/web.yaml` | 1 | `image` | `ghcr.io/acme/web:1.0.0` | `ghcr.io/acme/web:1.1.0` |');
  });

  it('--dry-run --json prints the diff and leaves the remote alone', async () => {
    const { url } = await repo();
    const before = await readMain(url, 'envs/dev/web.yaml');
    const result = await ferry(['--repo', url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0', '--push', 'direct', '--dry-run', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { outcome: string; changed: boolean; diff: string; exitCode: number };
    expect(json).toMatchObject({ outcome: 'dry-run', changed: true, exitCode: 0 });
    expect(json.diff).toBe('--- a/envs/dev/web.yaml\n+++ b/envs/dev/web.yaml\n@@ -1,2 +1,2 @@\n-image: ghcr.io/acme/web:1.0.0\n+image: ghcr.io/acme/web:1.2.0\n \n');
    expect(await readMain(url, 'envs/dev/web.yaml')).toEqual(before);
  });

  it('exit 3 when the target is not there, 4 when refused by policy or for an older build', async () => {
    const { url } = await repo(true);
    expect((await ferry(['--repo', url, '--env', 'dev', '--app', 'api', '--image', 'ghcr.io/acme/api:1', '--push', 'direct'])).code).toBe(3);
    expect((await ferry(['--repo', url, '--env', 'dev', '--file', 'nope.yaml', '--image', 'ghcr.io/acme/web:1.1.0', '--push', 'direct'])).code).toBe(3);
    const held = await ferry(['--repo', url, '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0', '--push', 'direct', '--json']);
    expect(held.code).toBe(4);
    expect(JSON.parse(held.stdout)).toMatchObject({ outcome: 'refused', reason: 'hold', message: 'promotion is on hold by bob: incident 12' });
    const older = await ferry(['--repo', url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:0.9.0', '--push', 'direct']);
    expect(older.code).toBe(4);
    expect(older.stdout).toMatch(/0\.9\.0 is older than 1\.0\.0, which is already in place; nothing was changed/);
  });

  it('exit 5 when the git server keeps failing, nothing pushed', async () => {
    const { name, url } = await repo();
    const before = await readMain(url, 'envs/dev/web.yaml');
    const fault = world.git.faults.inject({ kind: 'status', status: 503, repo: name, service: 'receive-pack' });
    const result = await ferry(['--repo', url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0', '--push', 'direct']);
    fault.off();
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/HTTP 503 \(after 5 attempts\)/);
    expect(await readMain(url, 'envs/dev/web.yaml')).toEqual(before);
  });

  it('--push pr through the GitHub API: outputs pr-number and pr-url; the token never shows', async () => {
    const { name, url } = await repo();
    const output = join(scratch, 'out-pr');
    const result = await ferry(['--repo', url, '--github-api-url', world.github.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.4.0', '--json'],
      { GITHUB_TOKEN: TOKEN, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { outcome: string; pullRequest: { number: number; url: string } };
    expect(json.outcome).toBe('pull-request');
    expect(await readFile(output, 'utf8')).toBe(`changed=true\npr-number=${json.pullRequest.number}\npr-url=${json.pullRequest.url}\nmerge-sha=\n`);
    expect([...world.github.state.repos.get(name)?.pulls.values() ?? []].find((p) => p.number === json.pullRequest.number)?.labels).toEqual(['promotion']);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);

    const bad = await ferry(['--repo', url, '--github-api-url', world.github.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.5.0'], { FERRY_GITHUB_TOKEN: 'ghp_wrongwrongwrongwrongwrong0000000000' });
    expect(bad.code).toBe(5);
    expect(bad.stderr).not.toContain('ghp_wrong');
  });

  it('exit 6 when the PR is not merged within --timeout', async () => {
    const { url } = await repo();
    const result = await ferry(['--repo', url, '--github-api-url', world.github.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.6.0', '--wait-merged', '--timeout', '1s'], { GITHUB_TOKEN: TOKEN });
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(/was not merged within 1s/);
  });
});

describe('promote flag helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('45')).toBe(45_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });

  it('maps --repo to git and API URLs', () => {
    expect(resolveRepo('acme/config', undefined)).toMatchObject({ owner: 'acme', name: 'config', gitUrl: 'https://github.com/acme/config.git', apiUrl: 'https://api.github.com', onGitHub: true });
    expect(resolveRepo('acme/config', 'https://ghe.example.com/api/v3/')).toMatchObject({ gitUrl: 'https://ghe.example.com/acme/config.git', apiUrl: 'https://ghe.example.com/api/v3' });
    expect(resolveRepo('https://git.example.com/team/acme/config.git', undefined)).toMatchObject({ owner: 'acme', name: 'config', onGitHub: false });
  });
});
