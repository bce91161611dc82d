// Issue 17, the renderer's part (bugs 3, 8, 10, 11a and the `../` risk), against the real API server,
// the real git http-backend, real helm and kustomize, and a real HTTP server that counts requests.
// Each refused Sync must report Stalled with the field or the file, and leave its namespace empty:
// nothing applied, no host file copied into a ConfigMap, no request to the network.
import { commitFiles, helmPath, kubectlPath } from '@ferry/testenv';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSource } from '../adapters/renderers/render-source.js';
import { isInvalidSync, loadSyncTargets } from '../adapters/sync-store.js';
import { createSync, startDaemonCluster } from '../daemon/test/daemon-harness.js';
import type { KubeObject } from '../plan/kube-object.js';
import { reconcileSync, reportInvalidSync, type ReconcileDeps, type SyncReport } from '../reconcile/reconcile-sync.js';
import { ensureNamespace, uniqueName, type AgentHarness } from '../test/agent-harness.js';

let h: AgentHarness;
let kubeconfig: string;
let deps: ReconcileDeps;
let hostSecret: string;
let server: Server;
let requests = 0;

const chart = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  x: {{ .Values.x | default "none" | quote }}\n',
};
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

beforeAll(async () => {
  ({ h, kubeconfig } = await startDaemonCluster());
  deps = { kube: h.kube, source: h.source, renderer: { render: renderSource }, tools: { kubectl: kubectlPath(), helm: helmPath() }, tmpDir: h.tmp };
  // Stands for the agent's mounted status token / service-account token.
  hostSecret = join(h.tmp, 'mounted-token');
  await writeFile(hostSecret, 'host-secret-value\n');
  server = createServer((_req, res) => {
    requests++;
    res.end(cm('fetched-from-the-network'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await h?.close();
});

/** A Sync object in a fresh namespace, reconciled once as `ferry-agent sync --once --sync` does. */
async function syncOnce(files: Record<string, string>, spec: Record<string, unknown>, tools = deps.tools): Promise<{ report: SyncReport; ns: string; sync: KubeObject | undefined }> {
  const ns = uniqueName('render');
  await ensureNamespace(h, ns);
  const repo = await h.git.createRepo(`acme/${ns}`);
  await commitFiles(repo.path, files);
  await createSync(kubeconfig, ns, 'app', { url: repo.url, ...spec });
  const [target] = await loadSyncTargets(h.kube, { namespace: ns, name: 'app' });
  if (!target) throw new Error('Sync not loaded');
  const report = isInvalidSync(target) ? await reportInvalidSync(target, { ...deps, tools }) : await reconcileSync(target, { ...deps, tools }, { healthTimeoutMs: 5_000 });
  const sync = await h.kube.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace: ns, name: 'app' });
  return { report, ns, sync };
}

/** Objects the Sync could have written: ConfigMaps other than the API server's own root CA. */
async function appliedIn(ns: string): Promise<string[]> {
  const items: KubeObject[] = await h.kube.list('v1', 'ConfigMap', { namespace: ns });
  return items.map((o) => o.metadata.name).filter((n) => n !== 'kube-root-ca.crt');
}

function stalledCondition(sync: KubeObject | undefined): { reason?: string; message?: string } | undefined {
  const conditions = (sync?.status as { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> } | undefined)?.conditions;
  return conditions?.find((c) => c.type === 'Stalled' && c.status === 'True');
}

describe('bug 3: Sync fields never reach helm or kustomize as options', () => {
  it('helm.releaseName "--set-file=x=<host file>": Stalled InvalidConfig naming the field; no ConfigMap, the file is not read', async () => {
    const { report, ns, sync } = await syncOnce(chart, { render: 'helm', helm: { chart: 'chart', releaseName: `--set-file=x=${hostSecret}` } });
    expect(report.outcome, report.message).toBe('Stalled');
    expect(stalledCondition(sync)).toMatchObject({ reason: 'InvalidConfig', message: expect.stringContaining('spec.helm.releaseName') });
    expect(await appliedIn(ns)).toEqual([]);
    expect(JSON.stringify(sync)).not.toContain('host-secret-value');
  });

  it('a repository directory named --load-restrictor=LoadRestrictionsNone as spec.path: Stalled InvalidConfig; nothing applied', async () => {
    const dir = '--load-restrictor=LoadRestrictionsNone';
    const files = { [`${dir}/kustomization.yaml`]: `configMapGenerator:\n  - name: leak\n    files:\n      - token=../../../mounted-token\n` };
    const { report, ns, sync } = await syncOnce(files, { path: dir });
    expect(report.outcome, report.message).toBe('Stalled');
    expect(stalledCondition(sync)).toMatchObject({ reason: 'InvalidConfig', message: expect.stringContaining('spec.path') });
    expect(await appliedIn(ns)).toEqual([]);
  });

  it('the same generator in an ordinary directory: refused as a path out of the repository, with file and line', async () => {
    const files = { 'app/kustomization.yaml': 'configMapGenerator:\n  - name: leak\n    files:\n      - token=../../../mounted-token\n' };
    const { report, ns } = await syncOnce(files, { path: 'app' });
    expect({ outcome: report.outcome, reason: report.reason, error: report.error }, report.message).toMatchObject({ outcome: 'Stalled', reason: 'BuildFailed', error: { code: 'render.outside-repository', file: 'app/kustomization.yaml', line: 4 } });
    expect(await appliedIn(ns)).toEqual([]);
  });
});

describe('bug 8: standard input and renders that never end', () => {
  it('helm.valuesFiles ["-"]: Stalled InvalidConfig at once (it used to block for the whole tool timeout)', async () => {
    const started = Date.now();
    const { report, ns, sync } = await syncOnce(chart, { render: 'helm', helm: { chart: 'chart', releaseName: 'web', valuesFiles: ['-'] } });
    expect(report.outcome, report.message).toBe('Stalled');
    expect(stalledCondition(sync)).toMatchObject({ reason: 'InvalidConfig', message: expect.stringContaining('spec.helm.valuesFiles.0') });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await appliedIn(ns)).toEqual([]);
  });

  it('a render that hangs is stopped at the tool timeout and reported Stalled (BuildFailed, render.timeout), not Failed', async () => {
    const slowHelm = join(h.tmp, 'hanging-helm');
    await writeFile(slowHelm, '#!/bin/sh\nexec /bin/sleep 120\n');
    await chmod(slowHelm, 0o755);
    const { report, ns, sync } = await syncOnce(chart, { render: 'helm', helm: { chart: 'chart', releaseName: 'web' } }, { ...deps.tools, helm: slowHelm, timeoutMs: 1_000 });
    expect({ outcome: report.outcome, reason: report.reason, code: report.error?.code }, report.message).toEqual({ outcome: 'Stalled', reason: 'BuildFailed', code: 'render.timeout' });
    expect(stalledCondition(sync)?.message).toContain('did not finish within 1s');
    expect(await appliedIn(ns)).toEqual([]);
  });
});

describe('bug 10: kustomize does not fetch remote resources', () => {
  const remote = () => `http://127.0.0.1:${(server.address() as { port: number }).port}/cm.yaml`;

  it('a remote resource: Stalled BuildFailed with file and line; the server saw no request; nothing applied', async () => {
    const before = requests;
    const files = { 'app/kustomization.yaml': `resources:\n  - local.yaml\n  - ${remote()}\n`, 'app/local.yaml': cm('local') };
    const { report, ns, sync } = await syncOnce(files, { path: 'app' });
    expect({ outcome: report.outcome, reason: report.reason, error: report.error }, report.message).toMatchObject({ outcome: 'Stalled', reason: 'BuildFailed', error: { code: 'render.remote-resource', file: 'app/kustomization.yaml', line: 3 } });
    expect(stalledCondition(sync)?.message).toContain('allowRemoteResources');
    expect(requests).toBe(before);
    expect(await appliedIn(ns)).toEqual([]);
  });

  it('spec.kustomize.allowRemoteResources: true (kept by the CRD) lets it through', async () => {
    const before = requests;
    const { report, ns, sync } = await syncOnce({ 'app/kustomization.yaml': `resources:\n  - ${remote()}\n` }, { path: 'app', kustomize: { allowRemoteResources: true } });
    expect((sync?.spec as { kustomize?: unknown }).kustomize).toEqual({ allowRemoteResources: true });
    expect(report.outcome, report.message).toBe('Applied');
    expect(requests).toBe(before + 1);
    expect(await appliedIn(ns)).toContain('fetched-from-the-network');
  });
});

describe('the ../ risk: a kustomization cannot read outside the checkout', () => {
  it('a base above the repository root (another checkout on the agent host): Stalled with the file; nothing applied', async () => {
    const other = join(h.tmp, 'other-checkout', 'app');
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
    await writeFile(join(other, 'cm.yaml'), cm('another-tenants-config'));
    for (const escape of ['../../other-checkout/app', '../../../other-checkout/app']) {
      const { report, ns } = await syncOnce({ 'app/kustomization.yaml': `resources:\n  - ${escape}\n` }, { path: 'app' });
      expect({ outcome: report.outcome, error: report.error }, report.message).toMatchObject({ outcome: 'Stalled', error: { code: 'render.outside-repository', file: 'app/kustomization.yaml', line: 2 } });
      expect(await appliedIn(ns)).toEqual([]);
    }
  });
});

describe('bug 11a: spec.path "." is the repository root', () => {
  it.each(['.', './'])('%j applies the root', async (path) => {
    const { report, ns } = await syncOnce({ 'a.yaml': cm('root-a') }, { path });
    expect(report.outcome, report.message).toBe('Applied');
    expect(await appliedIn(ns)).toContain('root-a');
  });
});
