// reconcileSync with the commit status reporter: a real API server (the run's control plane), the
// real git http-backend, and the GitHub stand-in over the same repositories.
import { startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IsomorphicGitSource } from '../adapters/git-source.js';
import { KubeClient } from '../adapters/kube-client.js';
import { renderSource } from '../adapters/renderers/render-source.js';
import { reconcileSync, type ReconcileDeps } from '../reconcile/reconcile-sync.js';
import { configMap, uniqueName } from '../test/agent-harness.js';
import { parseSyncSpec } from '../sync/sync-spec.js';
import { CommitStatusReporter } from './commit-status-reporter.js';
import { createGitHubStatusPort } from './github-status-port.js';

const TOKEN = 'status-token';
let world: EmulatorWorld;
let kube: KubeClient;
let tmp: string;
let deps: ReconcileDeps;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
  kube = await KubeClient.create({ kubeconfigPath: inject('kubeconfigPath') });
  tmp = await mkdtemp(join(tmpdir(), 'ferry-reporter-'));
  const reporter = new CommitStatusReporter({ port: createGitHubStatusPort({ apiUrl: world.github.url, token: TOKEN }), cluster: 'test-cluster' });
  deps = { kube, source: new IsomorphicGitSource({ cacheDir: join(tmp, 'git') }), renderer: { render: renderSource }, tools: {}, tmpDir: tmp, reporter };
});
afterAll(async () => {
  kube?.close();
  await world?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function statusHistory(repo: string, sha: string, context: string): Promise<{ state: string; description: string }[]> {
  const res = await fetch(`${world.github.url}/repos/${repo}/commits/${sha}/statuses`, { headers: { authorization: `token ${TOKEN}` } });
  const all = (await res.json()) as { context: string; state: string; description: string }[];
  // GitHub lists newest first.
  return all.filter((s) => s.context === context).reverse().map(({ state, description }) => ({ state, description }));
}

describe('reconcile reports commit statuses', () => {
  it('pending then success on the applied revision; failure with the health reason for an unhealthy rollout', async () => {
    const ns = uniqueName('report');
    const repo = `acme/${ns}`;
    await world.git.createRepo(repo, { seed: { 'app/ns.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) + '\n', 'app/a.yaml': configMap('a', { v: '1' }) } });
    const head = await world.pushFiles(repo, 'main', { 'app/a.yaml': configMap('a', { v: '2' }) });
    const target = { identity: { namespace: ns, name: 'web' }, spec: parseSyncSpec({ url: world.git.repoUrl(repo), path: 'app', namespace: ns }, 'test'), fromObject: false };
    // The inventory lives in the target's namespace, which must exist before the first write (as it does
    // for a Sync object); the repository's own Namespace object is then adopted, never pruned.
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const context = `ferry/test-cluster/${ns}/web`;

    const applied = await reconcileSync(target, deps, { healthTimeoutMs: 5_000 });
    expect(applied.outcome, applied.message).toBe('Applied');
    expect(await statusHistory(repo, head, context)).toEqual([
      { state: 'pending', description: `applying ${head.slice(0, 12)}` },
      { state: 'success', description: expect.stringMatching(/^applied and healthy: applied revision/) },
    ]);

    // No kubelet in the test control plane: a Deployment never becomes available.
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.0.0' }] } } },
    };
    const broken = await world.pushFiles(repo, 'main', { 'app/web.yaml': JSON.stringify(deployment) + '\n' });
    const unhealthy = await reconcileSync(target, deps, { healthTimeoutMs: 1_500 });
    expect(unhealthy.outcome).toBe('Unhealthy');
    const history = await statusHistory(repo, broken, context);
    expect(history.map((s) => s.state)).toEqual(['pending', 'failure']);
    expect(history[1]!.description).toMatch(/^HealthCheckFailed: 1 object\(s\) not healthy after \d+ s: Deployment .*\/web: 0\/1 replicas available$/);

    // Dry runs (ferry-agent diff) report nothing.
    const before = world.github.requests.length;
    await reconcileSync(target, deps, { dryRun: true });
    expect(world.github.requests.length).toBe(before);
  });

  it('a suspended Sync says so on the revision it last applied (pending), and success again once resumed', async () => {
    const ns = uniqueName('suspend');
    const repo = `acme/${ns}`;
    await world.git.createRepo(repo, { seed: { 'app/a.yaml': configMap('a', { v: '1' }) } });
    const head = await world.pushFiles(repo, 'main', { 'app/a.yaml': configMap('a', { v: '2' }) });
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const spec = parseSyncSpec({ url: world.git.repoUrl(repo), path: 'app', namespace: ns }, 'test');
    const context = `ferry/test-cluster/${ns}/web`;
    const applied = await reconcileSync({ identity: { namespace: ns, name: 'web' }, spec, fromObject: false }, deps, { healthTimeoutMs: 5_000 });
    expect(applied.outcome, applied.message).toBe('Applied');
    expect(applied.status.lastAppliedRevision).toBe(head);

    // The status a Sync object would carry into its next reconcile; a new commit lands meanwhile.
    const next = await world.pushFiles(repo, 'main', { 'app/a.yaml': configMap('a', { v: '3' }) });
    const suspended = { identity: { namespace: ns, name: 'web' }, spec: { ...spec, suspend: true }, fromObject: false, status: applied.status };
    const report = await reconcileSync(suspended, deps);
    expect(report.outcome).toBe('Suspended');
    expect(await statusHistory(repo, head, context)).toEqual([
      { state: 'pending', description: `applying ${head.slice(0, 12)}` },
      { state: 'success', description: expect.stringMatching(/^applied and healthy: /) },
      { state: 'pending', description: 'suspended: spec.suspend is true: nothing fetched or applied' },
    ]);
    // The commit that will not run says nothing; `ferry promote --wait-live` keeps waiting on it.
    expect(await statusHistory(repo, next, context)).toEqual([]);
    // Each reconcile of a still-suspended Sync posts nothing new.
    const before = world.github.requests.length;
    await reconcileSync(suspended, deps);
    expect(world.github.requests.length).toBe(before);
    expect((await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' }))?.data).toEqual({ v: '2' });

    // Resumed: the new head is applied and reported.
    const resumed = await reconcileSync({ ...suspended, spec }, deps, { healthTimeoutMs: 5_000 });
    expect(resumed.outcome, resumed.message).toBe('Applied');
    expect((await statusHistory(repo, next, context)).map((s) => s.state)).toEqual(['pending', 'success']);
  });
});
