// The agent's own long-lived credentials, on a running `ferry-agent run` against the real API
// server, the real git http-backend and the GitHub stand-in: GitHub App installation tokens that
// expire every few seconds (the fetches and the commit statuses keep working across several
// expiries), and a status token file rotated in place (the old token is refused, the agent goes on).
import { commitFiles, expectNoSecrets, kubectlPath, startGitHubEmulator, startGitServer, type GitHubEmulator, type GitServer, type GitServerAuth } from '@ferry/testenv';
import { generateKeyPairSync } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMap, ensureNamespace, uniqueName, type AgentHarness } from '../../../packages/agent/src/test/agent-harness.js';
import { createSync, eventually, getSync, readyRevision, useDaemonCluster } from '../../../packages/agent/src/daemon/test/daemon-harness.js';
import { runCommand } from './commands/run.js';

let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

interface RunningCommand {
  logs: () => string;
  stop: () => Promise<number>;
}

function startRun(args: string[]): RunningCommand {
  let logs = '';
  const sink = new Writable({ write(chunk, _enc, done) { logs += String(chunk); done(); } });
  const controller = new AbortController();
  const exit = runCommand(
    ['--leader-elect', 'false', '--metrics-addr', 'off', '--cache-dir', `${h.tmp}/${uniqueName('cache')}`, '--kubectl', kubectlPath(), '--shutdown-grace', '5s', ...args],
    { stdout: sink, stderr: sink, env: {} },
    { signal: controller.signal },
  );
  return {
    logs: () => logs,
    async stop() {
      controller.abort();
      return exit;
    },
  };
}

async function statusesOf(github: GitHubEmulator, token: string, repo: string, sha: string): Promise<Array<{ state: string; context: string; creator: { login: string } }>> {
  const response = await fetch(`${github.url}/repos/${repo}/commits/${sha}/statuses`, { headers: { authorization: `token ${token}` } });
  if (!response.ok) throw new Error(`statuses: HTTP ${response.status}`);
  return (await response.json()) as Array<{ state: string; context: string; creator: { login: string } }>;
}

describe('GitHub App installation tokens', () => {
  const PAT = 'pat-for-the-test-itself';
  // Long enough that a token refreshed at half its life outlives any one fetch on a loaded machine.
  const LIFETIME_MS = 6_000;
  let git: GitServer;
  let github: GitHubEmulator;
  const issued: Array<{ token: string; expiresAt: Date }> = [];
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    // The git server takes what github.com's git takes: x-access-token and a live installation
    // token; each token is struck off when it expires, as the API stand-in does for its own checks.
    const auth: Required<GitServerAuth> = { basic: [{ username: 'x-access-token', password: PAT }], bearer: [PAT] };
    git = await startGitServer({ auth });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(`${h.tmp}/app-key.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    github = await startGitHubEmulator({
      reposRoot: git.root, gitUrl: git.url, tokens: [PAT],
      app: { appId: 4242, installationId: 77, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, tokenLifetimeMs: LIFETIME_MS },
    });
    github.onInstallationToken((token, expiresAt) => {
      issued.push({ token, expiresAt });
      auth.basic.push({ username: 'x-access-token', password: token });
      timers.push(setTimeout(() => {
        auth.basic.splice(auth.basic.findIndex((c) => c.password === token), 1);
      }, expiresAt.getTime() - Date.now()));
    });
  });
  afterAll(async () => {
    for (const timer of timers) clearTimeout(timer);
    await github?.close();
    await git?.close();
  });

  it('a long-running agent fetches and posts statuses as the app across several token expiries', async () => {
    const ns = uniqueName('app');
    await ensureNamespace(h, ns);
    const repo = `acme/${ns}`;
    const { path, url } = await git.createRepo(repo);
    let head = await commitFiles(path, { 'app/a.yaml': configMap('a', { v: '0' }) });
    await createSync(kubeconfig, ns, 'web', { url, path: 'app', interval: '1s' });
    const gitHost = new URL(git.url).host;
    const agent = startRun([
      '--kubeconfig', kubeconfig, '--namespace', ns,
      '--github-app-id', '4242', '--github-app-installation-id', '77', '--github-app-private-key-file', `${h.tmp}/app-key.pem`,
      '--github-app-git-hosts', gitHost, '--status-api-url', github.url, '--cluster', 'test-cluster',
    ]);
    const context = `ferry/test-cluster/${ns}/web`;
    const started = Date.now();
    try {
      // A new commit each round, applied and reported as the app, until three token lifetimes have
      // passed and the agent has needed four tokens.
      for (let round = 1; ; round++) {
        await eventually(`round ${round}: ${head.slice(0, 12)} applied`, 20_000, async () => readyRevision(await getSync(h, ns, 'web')) === head);
        const success = await eventually(`round ${round}: success on ${head.slice(0, 12)}`, 20_000, async () =>
          (await statusesOf(github, PAT, repo, head)).find((s) => s.context === context && s.state === 'success'));
        expect(success.creator.login).toBe('ferry-test-app[bot]');
        if ((Date.now() - started > 3 * LIFETIME_MS && issued.length >= 4) || round >= 40) break;
        head = await commitFiles(path, { 'app/a.yaml': configMap('a', { v: String(round) }) });
      }
      expect(issued.length).toBeGreaterThanOrEqual(4);
      expect(Date.now() - started).toBeGreaterThan(3 * LIFETIME_MS);
      // The expired ones are really refused, by the API and by git.
      const first = issued[0]!.token;
      expect((await fetch(`${github.url}/repos/${repo}/commits/${head}/statuses`, { headers: { authorization: `token ${first}` } })).status).toBe(401);
      // Every token was refreshed before it expired: no fetch and no status post was ever refused.
      expect(git.requests.filter((r) => r.status === 401)).toEqual([]);
      expect(github.requests.filter((r) => r.path.includes('/statuses/') && r.method === 'POST' && r.status !== 201)).toEqual([]);
      expect(agent.logs()).not.toMatch(/not posted/);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    const logs = agent.logs();
    for (const { token } of issued) expect(logs).not.toContain(token);
    expectNoSecrets(logs, 'agent logs');
  }, 120_000);
});

describe('status token file', () => {
  it('a rotated file is read at the next status: the old token is refused, the agent keeps posting', async () => {
    const tokens = ['status-token-one'];
    const git = await startGitServer();
    const github = await startGitHubEmulator({ reposRoot: git.root, gitUrl: git.url, tokens });
    const ns = uniqueName('rotate');
    await ensureNamespace(h, ns);
    const tokenFile = `${h.tmp}/${ns}-token`;
    await writeFile(tokenFile, 'status-token-one\n');
    const agent = startRun(['--kubeconfig', kubeconfig, '--namespace', ns, '--status-token-file', tokenFile, '--status-api-url', github.url, '--cluster', 'test-cluster']);
    const context = `ferry/test-cluster/${ns}/web`;
    try {
      const repo = `acme/${ns}`;
      const { path, url } = await git.createRepo(repo);
      const first = await commitFiles(path, { 'app/a.yaml': configMap('a', { v: '1' }) });
      await createSync(kubeconfig, ns, 'web', { url, path: 'app', interval: '1s' });
      await eventually('success with the first token', 20_000, async () =>
        (await statusesOf(github, tokens[0]!, repo, first)).some((s) => s.context === context && s.state === 'success'));

      // Rotation as it is done: the new token is issued, the mounted file replaced in one rename (as
      // a Secret volume swaps its files), then the old token revoked.
      tokens.push('status-token-two');
      await writeFile(`${tokenFile}.new`, 'status-token-two\n');
      await rename(`${tokenFile}.new`, tokenFile);
      tokens.splice(0, 1);
      expect((await fetch(`${github.url}/repos/${repo}/commits/${first}/statuses`, { headers: { authorization: 'token status-token-one' } })).status).toBe(401);

      const second = await commitFiles(path, { 'app/a.yaml': configMap('a', { v: '2' }) });
      await eventually('applied after the rotation', 20_000, async () => readyRevision(await getSync(h, ns, 'web')) === second);
      await eventually('success with the rotated token', 20_000, async () =>
        (await statusesOf(github, 'status-token-two', repo, second)).some((s) => s.context === context && s.state === 'success'));
      expect(agent.logs()).not.toMatch(/not posted/);
    } finally {
      expect(await agent.stop()).toBe(0);
      await github.close();
      await git.close();
    }
    expect(agent.logs()).not.toContain('status-token-');
  });
});
