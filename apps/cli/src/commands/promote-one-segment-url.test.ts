import { symlink } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, startEmulatorWorld, TEST_CLI_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { openGitWorkspace } from '@ferry/promoter';
import { main } from '../main.js';
import { resolveRepo } from './connect-repo.js';

// `--repo http://git.internal/config.git`: a smart-HTTP URL with one path segment, as plain
// `git http-backend`, cgit and Gerrit serve them. Git works; the GitHub API needs --github-repo.
const TOKEN = TEST_CLI_GITHUB_TOKEN;
const SEED = {
  'ferry.yaml': [
    'environments:',
    '  dev: { branch: main, clusters: [dev-1] }',
    '  staging: { branch: main, push: pr }',
    '  prod: { branch: main, promotesFrom: dev }',
    'apps:',
    '  web:',
    '    image: ghcr.io/acme/web',
    '    environments:',
    '      dev: { files: [envs/dev/web.yaml] }',
    '      staging: { files: [envs/staging/web.yaml] }',
    '      prod: { files: [envs/prod/web.yaml] }',
    '',
  ].join('\n'),
  'envs/dev/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
  'envs/staging/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
  'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
};

describe('ferry promote --repo with a one-segment git URL (git http-backend at /NAME.git)', () => {
  let world: EmulatorWorld;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN] });
  });
  afterAll(async () => {
    await world?.close();
  });

  async function ferry(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(['promote', ...args], { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: '/', env });
    expectNoSecrets(`${stdout}\n${stderr}`, `ferry promote ${args.join(' ')}`);
    return { code, stdout, stderr };
  }

  async function refs(url: string): Promise<{ main: string | null; dev: string | null | undefined; branches: string[] }> {
    const ws = await openGitWorkspace({ url });
    try {
      const head = await ws.fetchBranch('main');
      const staging = await ws.fetchBranch('ferry/staging/web');
      const dev = await ws.fetchBranch('ferry/dev/web');
      return { main: head, dev: head ? (await ws.readFiles(head, ['envs/dev/web.yaml'])).get('envs/dev/web.yaml') : undefined, branches: [staging, dev].filter((b): b is string => b !== null) };
    } finally {
      await ws.close();
    }
  }

  it('promotes with --push direct (the default without GitHub): the commit lands on main at /NAME.git', async () => {
    const repo = await world.git.createRepo(`config${n++}`, { seed: SEED });
    expect(repo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/config\d+\.git$/);
    const result = await ferry(['--repo', repo.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0'], { GITHUB_TOKEN: TOKEN });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^promoted web in dev: 1\.0\.0 -> 1\.1\.0 \(commit [0-9a-f]{12} on main\)/);
    expect((await refs(repo.url)).dev).toBe('image: ghcr.io/acme/web:1.1.0\n');
  });

  it.each([
    ['--push pr', ['--env', 'dev', '--push', 'pr'], /pull requests and commit statuses need the GitHub API/],
    ['push: pr from ferry.yaml', ['--env', 'staging'], /--push pr needs GitHub access/],
    ['--wait-live', ['--env', 'dev', '--push', 'direct', '--wait-live'], /--wait-live reads commit statuses/],
    ['the promotesFrom gate', ['--env', 'prod', '--push', 'direct'], /the promotion gate \(prod promotes from dev\) reads the agents' commit statuses/],
  ])('%s without --github-repo: exit 2 naming --github-repo, nothing pushed', async (_name, args, says) => {
    const repo = await world.git.createRepo(`config${n++}`, { seed: SEED });
    const before = await refs(repo.url);
    const result = await ferry(['--repo', repo.url, '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0', ...args], { GITHUB_TOKEN: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(says);
    expect(result.stderr).toContain('has one path segment and names no GitHub repository (OWNER/NAME)');
    expect(result.stderr).toContain('--github-repo OWNER/NAME');
    expect(await refs(repo.url)).toEqual(before);
  });

  it('--github-api-url with a one-segment URL and no --github-repo is bad input', async () => {
    const result = await ferry(['--repo', `${world.git.url}/config.git`, '--github-api-url', world.github.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0'], { GITHUB_TOKEN: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--github-api-url points at the GitHub API, but --repo .*\/config\.git has one path segment/);
  });

  it('--github-repo OWNER/NAME: git through the one-segment URL, the pull request on that GitHub repository', async () => {
    // One bare repository reachable as /mirrorN.git (git) and as acme/mirrorN (the GitHub stand-in's repo).
    const name = `acme/mirror${n}`;
    const real = await world.git.createRepo(name, { seed: SEED });
    await symlink(real.path, world.git.repoPath(`mirror${n}`));
    const url = world.git.repoUrl(`mirror${n++}`);
    const result = await ferry(['--repo', url, '--github-repo', name, '--github-api-url', world.github.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0', '--json'], { GITHUB_TOKEN: TOKEN });
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { outcome: string; pullRequest: { number: number } };
    expect(json.outcome).toBe('pull-request');
    const pr = [...world.github.state.repos.get(name)!.pulls.values()].find((p) => p.number === json.pullRequest.number);
    expect(pr).toMatchObject({ state: 'open' });
    expect(world.git.requests.some((r) => r.path.startsWith(`/mirror${n - 1}.git/`) && r.service === 'receive-pack')).toBe(true);
  });

  it('maps one-segment URLs and --github-repo, and refuses what names nothing', () => {
    expect(resolveRepo('http://git.internal/config.git', undefined)).toMatchObject({ name: 'config', gitUrl: 'http://git.internal/config.git', onGitHub: false, named: false });
    expect(resolveRepo('http://git.internal/config.git', undefined, 'acme/config')).toMatchObject({ owner: 'acme', name: 'config', gitUrl: 'http://git.internal/config.git', onGitHub: true, named: true });
    expect(resolveRepo('https://gerrit.example.com/a/b/c/config', undefined, 'acme/cfg')).toMatchObject({ owner: 'acme', name: 'cfg', named: true });
    expect(() => resolveRepo('http://git.internal/', undefined)).toThrow(/names no repository/);
    expect(() => resolveRepo('acme/config', undefined, 'acme/other')).toThrow(/--github-repo applies to a git URL/);
    expect(() => resolveRepo('http://git.internal/config.git', undefined, 'not a repo')).toThrow(/--github-repo "not a repo" is not OWNER\/NAME/);
    expect(() => resolveRepo('ssh://git.internal/config.git', undefined)).toThrow(/not a smart-HTTP git URL/);
  });
});
