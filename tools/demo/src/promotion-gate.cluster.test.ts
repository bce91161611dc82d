// The promotesFrom gate against the real agent: reconcileSync with the commit status reporter on the
// run's control plane applies staging, the real git http-backend serves the config repo, the GitHub
// stand-in records the statuses, and `ferry promote` (in-process, as CI runs it) decides from them.
// No kubelet: a Deployment with replicas 1 never becomes available (the agent reports failure);
// one with replicas 0 is healthy as soon as the controller observed it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CommitStatusReporter, IsomorphicGitSource, KubeClient, createGitHubStatusPort, parseSyncSpec, reconcileSync, renderSource, type ReconcileDeps, type SyncTarget } from '@ferry/agent';
import { main } from '@ferry/cli';
import { createGateEvidenceReader, createGitHubStatusReader, openGitHistory, openGitWorkspace, promote, readPromotionTrailers } from '@ferry/promoter';
import { startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';

const TOKEN = 'ghp_gatetokengatetokengatetoken00000';
const CLUSTER = 'stage-eu';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;
let world: EmulatorWorld;
let kube: KubeClient;
let tmp: string;
let deps: ReconcileDeps;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
  kube = await KubeClient.create({ kubeconfigPath: inject('kubeconfigPath') });
  tmp = await mkdtemp(join(tmpdir(), 'ferry-gate-'));
  const reporter = new CommitStatusReporter({ port: createGitHubStatusPort({ apiUrl: world.github.url, token: TOKEN }), cluster: CLUSTER });
  deps = { kube, source: new IsomorphicGitSource({ cacheDir: join(tmp, 'git') }), renderer: { render: renderSource }, tools: {}, tmpDir: tmp, reporter };
});
afterAll(async () => {
  kube?.close();
  await world?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const config = (prod: string) => [
  'environments:',
  '  staging: { branch: staging }',
  `  prod: { branch: main, promotesFrom: staging, push: direct${prod} }`,
  'apps:',
  '  web:',
  '    image: ghcr.io/acme/web',
  '    environments:',
  '      staging: { files: [staging/web.yaml] }',
  '      prod: { files: [prod/web.yaml] }',
  '',
].join('\n');
const deployment = (image: string, replicas: number) => `${JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
})}\n`;

async function ferry(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = { write: (c: string) => (out += c) };
  const code = await main(['promote', ...args], { stdout: write, stderr: write, cwd: tmp, env: { FERRY_GITHUB_TOKEN: TOKEN } });
  return { code, out };
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${world.github.url}${path}`, { headers: { authorization: `token ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe('the promotesFrom gate with the real agent', () => {
  it('refuses prod while staging does not run the version healthy, allows it once the agent applied it, enforces soak, and records an override', async () => {
    const ns = `gate-${process.pid}-${Date.now().toString(36)}`;
    const repo = `acme/${ns}`;
    const { url } = await world.git.createRepo(repo, { seed: { 'ferry.yaml': config(''), 'prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n' } });
    const stage = (image: string, replicas: number) => world.pushFiles(repo, 'staging', { 'staging/web.yaml': deployment(image, replicas) }, { from: 'staging' });
    await world.pushFiles(repo, 'staging', { 'staging/web.yaml': deployment(`ghcr.io/acme/web:1.1.0@${D1}`, 0) }, { from: 'main' });
    const target: SyncTarget = { identity: { namespace: ns, name: 'web' }, spec: parseSyncSpec({ url: world.git.repoUrl(repo), path: 'staging', namespace: ns, ref: { branch: 'staging' } }, 'test'), fromObject: false };
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const sync = async (healthTimeoutMs: number) => (await reconcileSync(target, deps, { healthTimeoutMs })).outcome;
    expect(await sync(10_000)).toBe('Applied');
    const head = async () => (await api<{ object: { sha: string } }>(`/repos/${repo}/git/ref/heads/main`)).object.sha;
    const base = ['--repo', url, '--github-api-url', world.github.url, '--env', 'prod', '--app', 'web'];
    const before = await head();

    // 1. Staging runs 1.1.0: prod refuses 1.2.0, naming the cluster and what its agent reports.
    const notThere = await ferry([...base, '--image', `ghcr.io/acme/web:1.2.0@${D2}`]);
    expect(notThere.code, notThere.out).toBe(4);
    expect(notThere.out).toMatch(new RegExp(`is not live and healthy in every cluster of staging: ${CLUSTER}: ${ns}/web: success on [0-9a-f]{12} \\(1\\.1\\.0@sha256:111111111111\\)`));

    // 2. Staging gets 1.2.0 but the rollout fails: refused with the agent's reason, by --image and --from-env.
    await stage(`ghcr.io/acme/web:1.2.0@${D2}`, 1);
    expect(await sync(1_500)).toBe('Unhealthy');
    for (const from of [['--image', `ghcr.io/acme/web:1.2.0@${D2}`], ['--from-env', 'staging']]) {
      const failed = await ferry([...base, ...from]);
      expect(failed.code, failed.out).toBe(4);
      expect(failed.out).toMatch(new RegExp(`${CLUSTER}: ${ns}/web: failure on [0-9a-f]{12} \\(1\\.2\\.0@sha256:222222222222\\): HealthCheckFailed: .*0/1 replicas available`));
    }
    expect(await head()).toBe(before);

    // 3. The fix (same image, no replicas) goes live: --from-env staging promotes exactly it.
    await stage(`ghcr.io/acme/web:1.2.0@${D2}`, 0);
    expect(await sync(10_000)).toBe('Applied');
    const allowed = await ferry([...base, '--from-env', 'staging']);
    expect(allowed.code, allowed.out).toBe(0);
    expect(allowed.out).toContain(`gate (promotesFrom: staging): web 1.2.0@sha256:222222222222 is live and healthy on ${CLUSTER}`);
    const promoted = await api<{ content: string }>(`/repos/${repo}/contents/prod/web.yaml?ref=main`);
    expect(Buffer.from(promoted.content, 'base64').toString()).toBe(`image: ghcr.io/acme/web:1.2.0@${D2}\n`);

    // 4. prod now needs 1h of soak: 1.3.0 just went live in staging, so it is refused; two hours later
    //    (an injected clock, no sleeping) the same promotion passes.
    await world.pushFiles(repo, 'main', { 'ferry.yaml': config(', soak: 1h') });
    await stage(`ghcr.io/acme/web:1.3.0@${D3}`, 0);
    expect(await sync(10_000)).toBe('Applied');
    const early = await ferry([...base, '--image', `ghcr.io/acme/web:1.3.0@${D3}`]);
    expect(early.code, early.out).toBe(4);
    expect(early.out).toMatch(/web 1\.3\.0@sha256:333333333333 has been live in staging \(stage-eu\) for \d+s, soak requires 1h \(live everywhere since \S+; allowed from \S+\)/);
    const workspace = await openGitWorkspace({ url });
    const gate = createGateEvidenceReader({
      openHistory: () => openGitHistory({ url }),
      statuses: createGitHubStatusReader({ owner: 'acme', repo: ns, apiUrl: world.github.url, token: TOKEN }),
    });
    try {
      const later = { now: () => Date.now() + 2 * 3_600_000, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
      const soaked = await promote({ repo: workspace, env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.3.0', digest: D3 }, gate, clock: later });
      expect(soaked.outcome, soaked.message).toBe('promoted');
      expect(soaked.gate?.message).toMatch(/is live and healthy on stage-eu for 2h\d*m? \(soak 1h\)/);
    } finally {
      await gate.close();
      await workspace.close();
    }

    // 5. An override: 1.4.0 never ran in staging; it lands through a pull request that says why.
    const reason = 'hotfix for INC-7 <b>@oncall</b>';
    const overridden = await ferry([...base, '--image', 'ghcr.io/acme/web:1.4.0', '--push', 'pr', '--override-gate', reason]);
    expect(overridden.code, overridden.out).toBe(0);
    expect(overridden.out).toContain(`gate (promotesFrom: staging) overridden: ${reason}`);
    const [pr] = await api<{ number: number; body: string; head: { sha: string; ref: string } }[]>(`/repos/${repo}/pulls?state=open`);
    expect(pr!.body).toContain(`**Gate overridden** (promoted without the promotesFrom check): \`${reason}\``);
    const history = await openGitHistory({ url });
    try {
      const [commit] = await history.log(pr!.head.ref, 1);
      expect(commit!.oid).toBe(pr!.head.sha);
      expect(commit!.message).toContain(`\nFerry-Gate-Override: ${reason}\n`);
      expect(readPromotionTrailers(commit!.message)?.gateOverride).toBe(reason);
    } finally {
      await history.close();
    }

    // An override where there is no gate (staging promotes from nowhere) is bad input: exit 2.
    const noGate = await ferry(['--repo', url, '--github-api-url', world.github.url, '--env', 'staging', '--app', 'web', '--image', 'ghcr.io/acme/web:1.5.0', '--override-gate', 'why']);
    expect(noGate.code, noGate.out).toBe(2);
    expect(noGate.out).toContain('--override-gate: environment staging has no promotesFrom gate to override');
  }, 120_000);
});
