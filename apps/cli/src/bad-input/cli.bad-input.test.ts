// The real bin (`node apps/cli/bin/ferry.js`, its bundle) in a child process against files on
// disk and the real git http-backend, for every row of cli.corpus.ts: the documented exit code, the
// message (what, and file:line where there is one), and nothing changed: the working directory's
// bytes and symlinks, and every ref of every repository on the git server.
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFiles, readRefs, shippedBin, startGitServer, type GitServer, type RepoEntry } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../command-list.js';
import { PROMOTE_CLI_CASES, SET_IMAGE_CLI_CASES, STATUS_ROLLBACK_CLI_CASES, type CliCase, type RepoName } from './cli.corpus.js';

let bin: string;
const enc = (s: string) => new TextEncoder().encode(s);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const latin1 = new Uint8Array([...enc('image: ghcr.io/acme/web:1\n# caf'), 0xe9, 0x0a]);
const huge = `image: ghcr.io/acme/web:1\n#${'x'.repeat(5 * 1024 * 1024)}\n`;
const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  .concat('bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)).join('\n');

/** Files of the set-image working directory (the symlink is added beside). */
const WORKDIR: Record<string, RepoEntry> = {
  'values.yaml': 'image:\n  repository: nginx\n  tag: 1.0.0 # keep\n',
  'latin1.yaml': latin1,
  'nul.yaml': 'image: nginx:1\nx: a\u0000b\n',
  'logo.yaml': png,
  'huge.yaml': huge,
  'dup.yaml': 'image: nginx:1\nimage: nginx:3\n',
  'bom-dup.yaml': '\uFEFFa: 1\nimage: nginx:1\na: 2\n',
  'tabs.yaml': 'image:\n\trepository: nginx\n',
  'multi-broken.yaml': 'image: nginx:1\n---\nimage: [nginx:1\n',
  'dir/values.yaml': 'image: nginx:1\n',
};

const FERRY_YAML = 'environments:\n  dev: { branch: main }\n  prod: { branch: release }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      dev: { files: [envs/dev/web.yaml] }\n      prod: { files: [envs/prod/web.yaml] }\n';
const GOOD: Record<string, RepoEntry> = {
  'ferry.yaml': FERRY_YAML,
  'envs/dev/web.yaml': 'image: ghcr.io/acme/web:1\n',
  'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1\n',
  'envs/dev/link.yaml': { symlink: '../../../../etc/passwd' },
  'envs/dev/logo.yaml': png,
  'envs/dev/latin1.yaml': latin1,
  'envs/dev/huge.yaml': huge,
  'envs/dev/dup.yaml': 'image: ghcr.io/acme/web:1\nimage: ghcr.io/acme/web:2\n',
  'envs/dev/tabs.yaml': 'image:\n\trepository: ghcr.io/acme/web\n',
};
const REPOS: Record<RepoName, Record<string, RepoEntry> | null> = {
  good: GOOD,
  'dup-config': { ...GOOD, 'ferry.yaml': FERRY_YAML.replace('    image: ghcr.io/acme/web\n', '    image: ghcr.io/acme/web\n    image: ghcr.io/acme/api\n') },
  'bomb-config': { ...GOOD, 'ferry.yaml': `${laughs}\n${FERRY_YAML}` },
  'multi-config': { ...GOOD, 'ferry.yaml': `${FERRY_YAML}---\napps: {}\n` },
  'nul-config': { ...GOOD, 'ferry.yaml': `${FERRY_YAML}# \u0000\n` },
  'dotdot-config': { ...GOOD, 'ferry.yaml': FERRY_YAML.replace('[envs/dev/web.yaml]', '[../outside/web.yaml]') },
  'vanished-branch': GOOD,
  empty: null,
};

let git: GitServer;
let work: string;
let outside: string;
const urls = new Map<RepoName, string>();

beforeAll(async () => {
  bin = shippedBin('cli');
  git = await startGitServer();
  for (const [name, files] of Object.entries(REPOS) as [RepoName, Record<string, RepoEntry> | null][]) {
    const repo = await git.createRepo(`acme/${name}`);
    if (files) await commitFiles(repo.path, files, { rewrite: true });
    urls.set(name, repo.url);
  }
  work = await mkdtemp(join(tmpdir(), 'ferry-cli-bad-'));
  outside = await mkdtemp(join(tmpdir(), 'ferry-cli-outside-'));
  await writeFile(join(outside, 'values.yaml'), 'image: nginx:1\n');
  for (const [path, content] of Object.entries(WORKDIR)) {
    await mkdir(join(work, path, '..'), { recursive: true });
    await writeFile(join(work, path), content as string | Uint8Array);
  }
  await symlink(join(outside, 'values.yaml'), join(work, 'link.yaml'));
}, 300_000);

afterAll(async () => {
  await git?.close();
  await rm(work, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

/** Runs the bin asynchronously (a synchronous child talking HTTP to this process would deadlock). */
function ferry(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'], HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: work, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Names, kinds and bytes of everything under a directory (symlinks by their target). */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const info = await lstat(join(dir, path));
      if (info.isSymbolicLink()) out.set(path, `link:${await readlink(join(dir, path))}`);
      else if (info.isDirectory()) await walk(path);
      else out.set(path, `${info.mode}:${(await readFile(join(dir, path))).toString('base64')}`);
    }
  };
  await walk('');
  return out;
}

async function allRefs(): Promise<string> {
  const parts = await Promise.all([...urls.keys()].map(async (name) => `${name}\n${await readRefs(git.repoPath(`acme/${name}`))}`));
  return parts.join('\n');
}

const COMMAND_NAMES = COMMANDS.map((command) => command.name);

function checkMessage(c: CliCase, result: { code: number; stdout: string; stderr: string }): void {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: c.exit });
  expect(result.stderr).toContain(c.says);
  if (c.where) expect(result.stderr).toContain(c.where);
  // A refusal is an explained FerryError, never a crash, and never echoes a credential.
  expect(result.stderr).not.toMatch(/unexpected error|a bug in Ferry|\n\s+at .*\.js:\d+/);
  expect(`${result.stdout}${result.stderr}`).not.toContain('hunter2secret');
  // The line names the command once ("ferry promote: --image x has no tag or digest"): no message
  // starts with a command's name, so neither the line nor the --json error (the Action's annotation
  // and job summary) says "promote: " again.
  if (COMMAND_NAMES.includes(c.args[0]!)) expect(result.stderr).toMatch(new RegExp(`^ferry ${c.args[0]}: `, 'm'));
  expect(result.stderr).not.toMatch(new RegExp(`^ferry [a-z-]+: (?:${COMMAND_NAMES.join('|')}): `, 'm'));
  if (c.args.includes('--json')) expect((JSON.parse(result.stdout) as { error: { message: string } }).error.message).not.toMatch(new RegExp(`^(?:${COMMAND_NAMES.join('|')}): `));
}

// Concurrent: each case is a separate process (node start-up dominates); a case that wrongly wrote
// or pushed fails its own check and, at worst, a neighbour's too, never hides.
describe.concurrent(`ferry set-image (real bin): ${SET_IMAGE_CLI_CASES.length} bad inputs, nothing written`, () => {
  it.each(SET_IMAGE_CLI_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await snapshot(work);
    const outsideBefore = await snapshot(outside);
    const result = await ferry(c.args);
    checkMessage(c, result);
    if (c.args.includes('--json')) expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: expect.any(String) } });
    expect(await snapshot(work)).toEqual(before);
    expect(await snapshot(outside)).toEqual(outsideBefore);
  }, 120_000);
});

describe.concurrent(`ferry promote / status / rollback (real bin, real git server): ${PROMOTE_CLI_CASES.length + STATUS_ROLLBACK_CLI_CASES.length} bad inputs, nothing pushed`, () => {
  it.each([...PROMOTE_CLI_CASES, ...STATUS_ROLLBACK_CLI_CASES].map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const refs = await allRefs();
    const pushesBefore = git.requests.filter((r) => r.service === 'receive-pack').length;
    const result = await ferry(c.args.map((a) => (a === '$REPO' ? urls.get(c.repo ?? 'good')! : a)));
    checkMessage(c, result);
    expect(git.requests.filter((r) => r.service === 'receive-pack').length).toBe(pushesBefore);
    expect(await allRefs()).toBe(refs);
  }, 120_000);
});
