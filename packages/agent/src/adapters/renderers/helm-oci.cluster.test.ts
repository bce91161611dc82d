// Issue 13, OCI charts: a Sync names `oci://REGISTRY/CHART` and a version; the agent pulls it with
// helm from the real registry of the test environment (distribution v3), where real `helm push`
// put it, caches it by digest, and refuses a digest other than the pinned one (Stalled, nothing
// applied). The real API server, the real git http-backend, real helm.
import { commitFiles, helmPath, kubectlPath, startRegistry, type TestRegistry } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInvalidSync, loadSyncTargets } from '../sync-store.js';
import { createSync, startDaemonCluster } from '../../daemon/test/daemon-harness.js';
import { reconcileSync, reportInvalidSync, type ReconcileDeps, type SyncReport } from '../../reconcile/reconcile-sync.js';
import { ensureNamespace, uniqueName, type AgentHarness } from '../../test/agent-harness.js';
import { renderSource } from './render-source.js';

const run = promisify(execFile);
let h: AgentHarness;
let kubeconfig: string;
let deps: ReconcileDeps;
let registry: TestRegistry;
let work: string;
let chartCacheDir: string;

beforeAll(async () => {
  ({ h, kubeconfig } = await startDaemonCluster());
  registry = await startRegistry();
  work = await mkdtemp(join(h.tmp, 'oci-'));
  chartCacheDir = join(work, 'charts-cache');
  deps = { kube: h.kube, source: h.source, renderer: { render: renderSource }, tools: { kubectl: kubectlPath(), helm: helmPath(), chartCacheDir }, tmpDir: h.tmp };
});
afterAll(async () => {
  await registry?.close();
  await h?.close();
});

/** `helm package` then `helm push` of a chart with one ConfigMap template; returns the digest helm push reports. */
async function pushChart(name: string, version: string, data: string): Promise<string> {
  const dir = join(work, `${name}-${version}`);
  await mkdir(join(dir, 'chart', 'templates'), { recursive: true });
  await writeFile(join(dir, 'chart', 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  await writeFile(join(dir, 'chart', 'values.yaml'), 'greeting: hello\n');
  await writeFile(join(dir, 'chart', 'templates', 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  data: ${JSON.stringify(data)}\n`);
  const env = { PATH: process.env.PATH ?? '', HOME: dir, HELM_CONFIG_HOME: join(dir, '.config'), HELM_CACHE_HOME: join(dir, '.cache'), HELM_DATA_HOME: join(dir, '.data') };
  await run(helmPath(), ['package', join(dir, 'chart'), '--destination', dir], { env });
  const [archive] = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
  const pushed = await run(helmPath(), ['push', join(dir, archive!), `oci://${registry.host}/charts`, '--plain-http'], { env });
  const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(`${pushed.stdout}\n${pushed.stderr}`)?.[1];
  if (!digest) throw new Error(`helm push printed no digest: ${pushed.stdout} ${pushed.stderr}`);
  return digest;
}

async function syncOnce(helm: Record<string, unknown>, host = registry.host): Promise<{ report: SyncReport; ns: string; repo: { path: string } }> {
  const ns = uniqueName('oci');
  await ensureNamespace(h, ns);
  const repo = await h.git.createRepo(`acme/${ns}`);
  await commitFiles(repo.path, { 'README.md': 'values only; the chart is in a registry\n', 'values/prod.yaml': 'greeting: from-the-repository\n' });
  await createSync(kubeconfig, ns, 'app', { url: repo.url, helm: { ...helm, chart: String(helm.chart).replace('HOST', host) } });
  return { report: await reconcile(ns), ns, repo };
}

async function reconcile(ns: string): Promise<SyncReport> {
  const [target] = await loadSyncTargets(h.kube, { namespace: ns, name: 'app' });
  if (!target) throw new Error('Sync not loaded');
  return isInvalidSync(target) ? reportInvalidSync(target, deps) : reconcileSync(target, deps, { healthTimeoutMs: 5_000 });
}

const configMap = (ns: string, name: string) => h.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

describe('oci:// charts', () => {
  it('pulled by version from the registry (render: auto, values files from the repository), rendered and applied; cached by digest', async () => {
    const digest = await pushChart('web', '1.0.0', 'one');
    const { report, ns } = await syncOnce({ chart: 'oci://HOST/charts/web', version: '1.0.0', valuesFiles: ['values/prod.yaml'] });
    expect(report.outcome, report.message).toBe('Applied');
    expect((await configMap(ns, 'app-cm'))?.data).toEqual({ greeting: 'from-the-repository', data: 'one' });
    expect(await readdir(chartCacheDir)).toContain(`${digest.slice('sha256:'.length)}.tgz`);
  });

  it('a pinned digest in the cache is used without asking the registry', async () => {
    const digest = await pushChart('api', '2.1.0', 'pinned');
    const proxy = await registry.startProxy();
    const { report, ns, repo } = await syncOnce({ chart: 'oci://HOST/charts/api', version: '2.1.0', digest }, proxy.host);
    expect(report.outcome, report.message).toBe('Applied');
    const asked = proxy.requests.length;
    expect(asked).toBeGreaterThan(0);
    // A new commit renders again; a registry that fails every request now does not matter: the
    // chart is in the cache.
    proxy.failWith(503);
    await commitFiles(repo.path, { 'values/prod.yaml': 'greeting: second\n' });
    const again = await reconcile(ns);
    expect(again.outcome, again.message).toBe('Applied');
    expect(proxy.requests.length).toBe(asked);
    expect((await configMap(ns, 'app-cm'))?.data).toEqual({ greeting: 'hello', data: 'pinned' });
    // Unpinned, the version is asked for again (an OCI tag can move): the failing registry is a transient failure.
    await h.kube.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace: ns, name: 'app' }, { spec: { helm: { digest: null } } });
    const unpinned = await reconcile(ns);
    expect(unpinned.outcome).toBe('Failed');
    expect(unpinned.reason).toBe('FetchFailed');
    expect(unpinned.message).toContain(`helm pull oci://${proxy.host}/charts/api --version 2.1.0`);
  });

  it('a digest other than the pinned one is refused: Stalled, nothing applied, nothing cached', async () => {
    const digest = await pushChart('db', '3.0.0', 'db');
    const pinned = `sha256:${'0'.repeat(64)}`;
    const { report, ns } = await syncOnce({ chart: 'oci://HOST/charts/db', version: '3.0.0', digest: pinned });
    expect(report.outcome).toBe('Stalled');
    expect(report.reason).toBe('FetchFailed');
    expect(report.message).toContain(`spec.helm.digest: ${registry.host}/charts/db:3.0.0 is ${digest} in the registry, not the pinned ${pinned}`.replace(`${registry.host}`, `oci://${registry.host}`));
    expect(report.changes).toEqual([]);
    expect(await configMap(ns, 'app-cm')).toBeUndefined();
    expect(await readdir(chartCacheDir)).not.toContain(`${digest.slice('sha256:'.length)}.tgz`);
  });

  it('a version the registry does not have: Stalled naming chart and version, nothing applied', async () => {
    await pushChart('cache', '1.0.0', 'x');
    const { report, ns } = await syncOnce({ chart: 'oci://HOST/charts/cache', version: '9.9.9' });
    expect(report.outcome).toBe('Stalled');
    expect(report.message).toContain(`helm pull oci://${registry.host}/charts/cache --version 9.9.9`);
    expect(await configMap(ns, 'app-cm')).toBeUndefined();
  });

  it('a registry that cannot be reached: Failed (FetchFailed, retried later) naming chart and version, nothing applied', async () => {
    const { report, ns } = await syncOnce({ chart: 'oci://registry.ferry.invalid/charts/web', version: '1.0.0' }, 'unused');
    expect(report.outcome).toBe('Failed');
    expect(report.reason).toBe('FetchFailed');
    expect(report.message).toContain('helm pull oci://registry.ferry.invalid/charts/web --version 1.0.0');
    expect(await configMap(ns, 'app-cm')).toBeUndefined();
  });

  it('bad fields are refused by name: Stalled InvalidConfig, nothing fetched', async () => {
    const { report } = await syncOnce({ chart: 'oci://HOST/charts/web' });
    expect(report.outcome).toBe('Stalled');
    expect(report.reason).toBe('InvalidConfig');
    expect(report.message).toContain('spec.helm.version: required with an oci:// chart');
    const bad = await syncOnce({ chart: 'oci://HOST/charts/web', version: '1.0.0', digest: 'sha256:nothex' });
    expect(bad.report.reason).toBe('InvalidConfig');
    expect(bad.report.message).toContain('spec.helm.digest');
  });
});
