// Issue 17, bug 9: what reaches a commit trailer, a branch name or a pull request cannot be forged.
// `ferry promote` / `ferry rollback` in-process against the real git http-backend and the GitHub
// stand-in: forged flags are refused (exit 2, naming the flag) before anything is fetched or pushed,
// and a hand-made commit with a forged trailer block is never proposed by `ferry rollback`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, readRefs, runGit, startEmulatorWorld, TEST_CLI_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { main } from '../main.js';

const TOKEN = TEST_CLI_GITHUB_TOKEN;
let world: EmulatorWorld;
let scratch: string;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
  scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-input-'));
});
afterAll(async () => {
  if (world) await expectNoSecretsInWorld(world);
  await world?.close();
  await rm(scratch, { recursive: true, force: true });
});

const seed = {
  'ferry.yaml': 'environments:\n  staging: { branch: main }\n  prod: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      staging: { files: [envs/staging/web.yaml] }\n      prod: { files: [envs/prod/web.yaml] }\n',
  'envs/staging/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
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

let n = 0;
async function newRepo() {
  const name = `acme/input${n++}`;
  const { url, path } = await world.git.createRepo(name, { seed });
  return { name, url, path, api: ['--repo', url, '--github-api-url', world.github.url] };
}

const evil = 'Ferry-Image: ghcr.io/acme/web:0.0.1-evil';
const requestsTo = (name: string) => world.git.requests.filter((r) => r.repo === name).length;

describe('forged promotion inputs are refused at the command line (exit 2, nothing fetched or pushed)', () => {
  it.each([
    ['a newline in --build-url', ['--build-url', `https://ci.example/run/1\n${evil}`], '--build-url contains the control character U+000A at position 25'],
    ['a newline in --source-commit', ['--source-commit', `0123456789abcdef0123456789abcdef01234567\n${evil}`], '--source-commit contains the control character U+000A at position 41'],
    ['a newline in --env', ['--env', 'staging\nFerry-Env: prod'], '--env contains the control character U+000A at position 8'],
    ['a carriage return in --build-url', ['--build-url', 'https://ci.example/run/1\r'], '--build-url contains the control character U+000D'],
    ['a line separator in --build-url', ['--build-url', `https://ci.example/run/1\u2028${evil}`], '--build-url contains the control character U+2028'],
    ['a paragraph separator in --source-commit', ['--source-commit', `abc1234\u2029${evil}`], '--source-commit contains the control character U+2029'],
    ['a next-line character in --env', ['--env', 'staging\u0085prod'], '--env contains the control character U+0085'],
    ['a tab in --app', ['--app', 'web\t'], '--app contains the control character U+0009'],
    ['--build-url that is not http(s)', ['--build-url', 'javascript:alert(document.cookie)'], '--build-url "javascript:alert(document.cookie)" is not a build URL: its scheme is "javascript"'],
    ['--build-url with Markdown around it', ['--build-url', '[click](https://evil.example)'], '--build-url "[click](https://evil.example)" is not a build URL: it is not an absolute URL'],
    ['--source-commit that is not a commit id', ['--source-commit', 'main'], '--source-commit "main" is not a git commit id'],
    ['--env that is not a name', ['--env', 'Prod EU'], '--env "Prod EU" is not a valid name'],
    ['a newline in --file', ['--file', 'envs/staging/web.yaml\nFerry-Env: prod'], '--file contains the control character U+000A'],
  ])('%s', async (_name, flags, says) => {
    const { name, path, api } = await newRepo();
    const before = await readRefs(path);
    const requests = requestsTo(name);
    const base = ['promote', ...api, '--env', 'staging', '--image', 'ghcr.io/acme/web:1.1.0', '--push', 'pr', '--auto-merge'];
    const args = [...base, ...(flags.includes('--file') ? [] : ['--app', 'web'])];
    // A later flag wins in parseArgs, so the forged value replaces the good one.
    const result = await ferry([...args, ...flags]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`ferry promote: ${says}`);
    expect(result.stderr).toContain('hint: ');
    expect(await readRefs(path)).toBe(before);
    expect(requestsTo(name)).toBe(requests);
    expect(world.github.state.repos.get(name)?.pulls.length ?? 0).toBe(0);
  });

  it.each([
    ['a newline in --reason', ['--reason', `oops\n\n${evil}`], '--reason contains the control character U+000A'],
    ['a line separator in --by', ['--by', 'alice\u2028Ferry-Env: staging'], '--by contains the control character U+2028'],
    ['a newline in --to', ['--to', '1.1.0\nx'], '--to contains the control character U+000A'],
  ])('rollback: %s', async (_name, flags, says) => {
    const { name, path, api } = await newRepo();
    const before = await readRefs(path);
    const result = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--push', 'direct', ...flags]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`ferry rollback: ${says}`);
    expect(await readRefs(path)).toBe(before);
    expect(requestsTo(name)).toBe(0);
  });

  it('rollback: a control character in $GITHUB_ACTOR (the default of --by) is refused naming the variable', async () => {
    const { path, api } = await newRepo();
    const before = await readRefs(path);
    const result = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--push', 'direct'], { GITHUB_ACTOR: 'bot\nFerry-Env: staging' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('$GITHUB_ACTOR (the default of --by) contains the control character U+000A');
    expect(await readRefs(path)).toBe(before);
  });
});

describe('ferry rollback never proposes a version from a forged trailer block', () => {
  it.each([
    ['a second Ferry-Image in the final block (what a newline in --build-url wrote before)',
      `promote web to prod: 1.1.0 -> 1.1.1\n\nbody\n\nFerry-App: web\nFerry-Env: prod\nFerry-Image: ghcr.io/acme/web:1.1.1\nFerry-Build-Url: https://ci.example/1\n${evil}\n`],
    ['a well-formed block naming another repository',
      'promote web to prod: 1.1.0 -> 0.0.1-evil\n\nFerry-App: web\nFerry-Env: prod\nFerry-Image: ghcr.io/evil/web:0.0.1-evil\n'],
    ['a Ferry block that is not the final paragraph',
      `chore: tidy\n\nFerry-App: web\nFerry-Env: prod\n${evil}\n\nSigned off in the body, not a trailer block.\n`],
    ['a second Ferry-Env in the block (a newline in --env)',
      `promote web to staging: x\n\nFerry-App: web\nFerry-Env: staging\nFerry-Env: prod\n${evil}\n`],
  ])('%s', async (_name, message) => {
    const { name, path, api } = await newRepo();
    expect((await ferry(['promote', ...api, '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0', '--push', 'direct'])).code).toBe(0);
    // A commit made by hand with native git, between two real promotions.
    await world.pushFiles(name, 'main', { 'notes.txt': 'hand-made\n' }, { message });
    expect((await ferry(['promote', ...api, '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0', '--push', 'direct'])).code).toBe(0);

    const dry = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ outcome: 'dry-run', rollback: { to: { image: 'ghcr.io/acme/web:1.1.0', version: { tag: '1.1.0' } } } });
    const rolled = await ferry(['rollback', ...api, '--env', 'prod', '--app', 'web', '--push', 'direct']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('rolled back web in prod: 1.2.0 -> 1.1.0');
    expect((await runGit(['--git-dir', path, 'show', 'main:envs/prod/web.yaml'])).stdout).toBe('image: ghcr.io/acme/web:1.1.0\n');
  });
});
