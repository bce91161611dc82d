// GitHub Enterprise Server's layout end to end: the stand-in serves REST only under /api/v3,
// GraphQL at /api/graphql and git at /OWNER/NAME.git on one host (anything else is a 404 and a
// violation that fails the test). `ferry promote --auto-merge --wait-live` (in-process, as CI runs
// it) is given only `--repo OWNER/NAME --github-api-url https://HOST/api/v3`; the real agent
// (reconcileSync with the commit status reporter) fetches through the same host and reports there.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CommitStatusReporter, IsomorphicGitSource, KubeClient, createGitHubStatusPort, parseSyncSpec, reconcileSync, renderSource, type ReconcileDeps, type SyncTarget } from '@ferry/agent';
import { main } from '@ferry/cli';
import { startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';

const TOKEN = 'ghp_enterprisetokenenterprisetoken00';
const CLUSTER = 'ghe-eu';
let world: EmulatorWorld;
let kube: KubeClient;
let tmp: string;
let deps: ReconcileDeps;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN], enterprise: true });
  kube = await KubeClient.create({ kubeconfigPath: inject('kubeconfigPath') });
  tmp = await mkdtemp(join(tmpdir(), 'ferry-ghe-'));
  const reporter = new CommitStatusReporter({ port: createGitHubStatusPort({ apiUrl: world.github.url, token: TOKEN }), cluster: CLUSTER });
  deps = { kube, source: new IsomorphicGitSource({ cacheDir: join(tmp, 'git') }), renderer: { render: renderSource }, tools: {}, tmpDir: tmp, reporter };
});
afterAll(async () => {
  kube?.close();
  await world?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const deployment = (image: string) => `${JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  // No kubelet here: replicas 0 is healthy as soon as the controller observed it.
  spec: { replicas: 0, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
})}\n`;

describe('GitHub Enterprise layout (/api/v3)', () => {
  it('promotes through a pull request, the agent reports its statuses there, and --wait-live sees it live', async () => {
    const ns = `ghe-${process.pid}-${Date.now().toString(36)}`;
    const repo = `acme/${ns}`;
    await world.git.createRepo(repo, {
      seed: {
        'ferry.yaml': 'environments:\n  staging: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      staging: { files: [app/web.yaml] }\n',
        'app/web.yaml': deployment('ghcr.io/acme/web:1.0.0'),
      },
    });
    const host = world.github.webUrl;
    expect(world.github.url).toBe(`${host}/api/v3`);
    const target: SyncTarget = { identity: { namespace: ns, name: 'web' }, spec: parseSyncSpec({ url: `${host}/${repo}.git`, path: 'app', namespace: ns }, 'test'), fromObject: false };
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // The agent's first sync reports on the current head: that makes this cluster a target of --wait-live.
    expect((await reconcileSync(target, deps, { healthTimeoutMs: 10_000 })).outcome).toBe('Applied');

    let out = '';
    const agentRuns: Promise<unknown>[] = [];
    const write = (c: string) => {
      out += c;
      // The agent syncs the merge once CI waits for it: no timing involved.
      if (/waiting until [0-9a-f]{12} is live/.test(c)) agentRuns.push(reconcileSync(target, deps, { healthTimeoutMs: 10_000 }));
    };
    const code = await main(['promote', '--repo', repo, '--github-api-url', `${host}/api/v3`, '--env', 'staging', '--app', 'web',
      '--image', 'ghcr.io/acme/web:1.1.0', '--auto-merge', '--wait-live', '--timeout', '90s'], { stdout: { write }, stderr: { write }, cwd: tmp, env: { FERRY_GITHUB_TOKEN: TOKEN } });
    const [synced] = (await Promise.all(agentRuns)) as [{ outcome: string; revision?: string }];
    expect(code, out).toBe(0);
    expect(out).toContain(`connecting to ${host}/api/v3`);
    expect(out).toMatch(/requesting merge of #1/);
    expect(out).toMatch(new RegExp(`${CLUSTER}: live: ${ns}/web: applied and healthy`));
    expect(synced.outcome).toBe('Applied');

    // The merge is a real commit on main; the agent's statuses on it were posted under /api/v3.
    expect(world.github.state.repos.get(repo)?.pulls.find((p) => p.number === 1)?.merged).toBe(true);
    const res = await fetch(`${host}/api/v3/repos/${repo}/commits/main/status`, { headers: { authorization: `token ${TOKEN}` } });
    const combined = (await res.json()) as { state: string; statuses: { context: string; state: string }[] };
    expect(combined.statuses).toEqual([expect.objectContaining({ context: `ferry/${CLUSTER}/${ns}/web`, state: 'success' })]);
    const live = (await kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' })) as { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
    expect(live?.spec.template.spec.containers[0]?.image).toBe('ghcr.io/acme/web:1.1.0');
  });
});
