// The real `ferry-agent` bin (its bundle, brought up to date as `npm ci` builds it) in a child process for every row of
// agent-cli.corpus.ts: the documented exit code and message, and nothing reached: the kubeconfig
// names a local port where this test listens and counts connections, which must stay at zero.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shippedBin } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLI_CASES } from './agent-cli.corpus.js';

let bin: string;
let dir: string;
let kubeconfig: string;
let apiServer: Server;
let connections = 0;

beforeAll(async () => {
  bin = shippedBin('agent');
  apiServer = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
  const port = (apiServer.address() as { port: number }).port;
  dir = await mkdtemp(join(tmpdir(), 'ferry-agent-cli-bad-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:${port}"}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: not-a-real-token}\n`);
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => apiServer?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function agent(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'], HOME: dir, KUBECONFIG: kubeconfig, FERRY_CACHE_DIR: join(dir, 'cache') };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe.concurrent(`ferry-agent (real bin): ${AGENT_CLI_CASES.length} bad command lines`, () => {
  it.each(AGENT_CLI_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const result = await agent(c.args);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: c.exit });
    expect(result.stderr).toContain(c.says);
    expect(result.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(result.stdout).toBe('');
  }, 120_000);
});

describe('after every case above', () => {
  // A separate, sequential suite: it starts only when the concurrent one has finished.
  it('no case reached the API server', () => {
    expect(connections).toBe(0);
  });
});
