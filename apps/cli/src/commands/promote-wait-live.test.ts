// `ferry promote --wait-live` in-process against git http-backend and the GitHub stand-in. The
// "agent" here posts statuses when the CLI says it is waiting (the wire format is the agent's;
// tools/demo's end-to-end test runs the real agent).
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import { main } from '../main.js';

const TOKEN = 'ghp_livetokenlivetokenlivetoken000000';
let world: EmulatorWorld;
let scratch: string;
let n = 0;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
  scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-live-'));
});
afterAll(async () => {
  if (world) await expectNoSecretsInWorld(world);
  await world?.close();
  await rm(scratch, { recursive: true, force: true });
});

const seed = {
  'ferry.yaml': 'environments:\n  prod: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      prod: { files: [envs/prod/web.yaml] }\n',
  'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
};

async function post(repo: string, sha: string, context: string, state: string, description: string): Promise<void> {
  await fetch(`${world.github.url}/repos/${repo}/statuses/${sha}`, {
    method: 'POST', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ state, context, description }),
  });
}

/** Runs the CLI; `agent` is called with the sha once the CLI starts waiting for it. */
async function ferry(args: string[], agent?: (sha: string) => Promise<void>, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const pending: Promise<void>[] = [];
  const code = await main(['promote', ...args], {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: {
      write: (c: string) => {
        stderr += c;
        const m = /waiting until ([0-9a-f]{12}) is live/.exec(c);
        if (m && agent) pending.push(agent(m[1]!));
      },
    },
    cwd: scratch, env: { FERRY_GITHUB_TOKEN: TOKEN, ...env },
  });
  await Promise.all(pending);
  expectNoSecrets(`${stdout}\n${stderr}`, `ferry promote ${args.join(' ')}`);
  return { code, stdout, stderr };
}

async function newRepo(): Promise<{ name: string; url: string }> {
  const name = `acme/live${n++}`;
  return { name, ...(await world.git.createRepo(name, { seed })) };
}

/** The full sha of the branch head (the CLI prints 12 characters). */
async function head(name: string): Promise<string> {
  const res = await fetch(`${world.github.url}/repos/${name}/git/ref/heads/main`, { headers: { authorization: `token ${TOKEN}` } });
  return ((await res.json()) as { object: { sha: string } }).object.sha;
}

const promoteArgs = (url: string, tag: string) => ['--repo', url, '--github-api-url', world.github.url, '--env', 'prod', '--app', 'web', '--image', `ghcr.io/acme/web:${tag}`];

describe('ferry promote --wait-live', () => {
  it('merges the PR, waits for the cluster, exits 0 and writes the live output', async () => {
    const { name, url } = await newRepo();
    const output = join(scratch, 'out-live');
    const result = await ferry([...promoteArgs(url, '1.1.0'), '--auto-merge', '--wait-live', '--clusters', 'eu', '--timeout', '60s'], async () => {
      await post(name, await head(name), 'ferry/eu/apps/web', 'success', 'applied and healthy: 1 configured');
    }, { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output });
    expect(result.stderr).toContain('ferry promote: requesting merge of #1');
    expect(result.stderr).toMatch(/eu: live: apps\/web: applied and healthy: 1 configured/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^live: [0-9a-f]{12} is live and healthy on eu$/m);
    expect(await readFile(output, 'utf8')).toMatch(/merge-sha=[0-9a-f]{40}\nlive=live\n$/);
  });

  it('exits 7 with the agent reason when a cluster reports the rollout failed', async () => {
    const { name, url } = await newRepo();
    const result = await ferry([...promoteArgs(url, '1.2.0'), '--push', 'direct', '--wait-live', '--clusters', 'eu', '--json'], async () => {
      await post(name, await head(name), 'ferry/eu/apps/web', 'failure', 'HealthCheckFailed: Deployment apps/web: 0/1 replicas available');
    });
    expect(result.code, result.stderr).toBe(7);
    const json = JSON.parse(result.stdout) as { outcome: string; live: { outcome: string; message: string }; exitCode: number };
    expect(json).toMatchObject({ outcome: 'promoted', exitCode: 7, live: { outcome: 'failed' } });
    expect(json.live.message).toMatch(/^not live: eu failed on [0-9a-f]{12}: apps\/web: HealthCheckFailed: Deployment apps\/web: 0\/1 replicas available$/);
  });

  it('exits 6 when the clusters do not report within --timeout', async () => {
    const { url } = await newRepo();
    const result = await ferry([...promoteArgs(url, '1.3.0'), '--push', 'direct', '--wait-live', '--clusters', 'eu,us', '--timeout', '1s']);
    expect(result.code).toBe(6);
    expect(result.stdout).toContain('NOT live: not live before --timeout ran out: eu: waiting: no report yet on this commit; us: waiting: no report yet on this commit');
  });

  it.each([
    [['--clusters', 'eu'], /--clusters only applies with --wait-live/],
    [['--wait-live', '--clusters', 'eu/x'], /--clusters "eu\/x" must be a comma-separated list/],
    [['--wait-live', '--dry-run'], /--wait-live cannot be combined with --dry-run/],
  ])('exits 2 on %j', async (extra, message) => {
    const result = await ferry(['--repo', 'a/b', '--env', 'prod', '--app', 'web', '--image', 'x:1', ...extra]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
