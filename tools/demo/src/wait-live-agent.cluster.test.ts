// `--wait-live` against the real agent: reconcileSync with the commit status reporter on the run's
// control plane (no kubelet: a Deployment never becomes available), the real git http-backend and
// the GitHub stand-in, and the promoter's waitLive reading what the agent posted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CommitStatusReporter, IsomorphicGitSource, KubeClient, createGitHubStatusPort, parseSyncSpec, reconcileSync, renderSource, type ReconcileDeps, type SyncTarget } from '@ferry/agent';
import { createGitHubStatusReader, openGitHistory, waitLive, type WaitLiveResult } from '@ferry/promoter';
import { startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';

const TOKEN = 'loop-token';
let world: EmulatorWorld;
let kube: KubeClient;
let tmp: string;
let deps: ReconcileDeps;
const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
  kube = await KubeClient.create({ kubeconfigPath: inject('kubeconfigPath') });
  tmp = await mkdtemp(join(tmpdir(), 'ferry-loop-'));
  const reporter = new CommitStatusReporter({ port: createGitHubStatusPort({ apiUrl: world.github.url, token: TOKEN }), cluster: 'c1' });
  deps = { kube, source: new IsomorphicGitSource({ cacheDir: join(tmp, 'git') }), renderer: { render: renderSource }, tools: {}, tmpDir: tmp, reporter };
});
afterAll(async () => {
  kube?.close();
  await world?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const json = (o: unknown) => `${JSON.stringify(o)}\n`;

describe('wait-live with the real agent', () => {
  it('fails with the agent reason on an unhealthy rollout, and is live once the agent applies a healthy commit', async () => {
    const ns = `loop-${process.pid}-${Date.now().toString(36)}`;
    const repo = `acme/${ns}`;
    await world.git.createRepo(repo, { seed: { 'app/ns.yaml': json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), 'app/cm.yaml': json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { v: '1' } }) } });
    const target: SyncTarget = { identity: { namespace: ns, name: 'web' }, spec: parseSyncSpec({ url: world.git.repoUrl(repo), path: 'app', namespace: ns }, 'test'), fromObject: false };
    // The inventory lives in the target's namespace, which must exist before the first write (as it does
    // for a Sync object); the repository's own Namespace object is then adopted, never pruned.
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    expect((await reconcileSync(target, deps, { healthTimeoutMs: 5_000 })).outcome).toBe('Applied');

    const history = await openGitHistory({ url: world.git.repoUrl(repo) });
    const statuses = createGitHubStatusReader({ owner: 'acme', repo: ns, apiUrl: world.github.url, token: TOKEN });
    const wait = (sha: string): Promise<WaitLiveResult> => waitLive({ sha, branch: 'main', history, statuses, clock, pollMs: 100, timeoutMs: 60_000 });
    try {
      // A promotion whose Deployment never becomes available.
      const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:2.0.0' }] } } } };
      const bad = await world.pushFiles(repo, 'main', { 'app/web.yaml': json(deployment) });
      const [failed, report] = await Promise.all([wait(bad), reconcileSync(target, deps, { healthTimeoutMs: 1_500 })]);
      expect(report.outcome).toBe('Unhealthy');
      expect(failed.outcome).toBe('failed');
      expect(failed.message).toMatch(new RegExp(`^not live: c1 failed on ${bad.slice(0, 12)}: ${ns}/web: HealthCheckFailed: 1 object\\(s\\) not healthy after \\d+ s: Deployment ${ns}/web: 0/1 replicas available$`));

      // The fix (no Deployment) goes live; the agent was the one to say so.
      const fixed = await world.pushFiles(repo, 'main', { 'app/web.yaml': json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-2' }, data: { v: '2' } }) });
      const [live] = await Promise.all([wait(fixed), reconcileSync(target, deps, { healthTimeoutMs: 5_000 })]);
      expect(live).toMatchObject({ outcome: 'live', clusters: [{ cluster: 'c1', state: 'live', commit: fixed }] });
    } finally {
      await history.close();
    }
  });
});
