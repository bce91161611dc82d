// Issue 13, "Helm as charts are really written", against the real API server, the real git
// http-backend and real helm and kustomize: a chart's crds/ applied before the custom resources
// that need them (and never pruned), `.Capabilities` from the live server, inline values over a
// values file, kustomize helmCharts of a chart in the repository (with a component), and the
// refusals that keep a render inside the revision.
import { commitFiles, helmPath, kubectl, kubectlPath, waitForCrd } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInvalidSync, loadSyncTargets } from '../sync-store.js';
import { createSync, startDaemonCluster } from '../../daemon/test/daemon-harness.js';
import { reconcileSync, reportInvalidSync, type ReconcileDeps, type SyncReport } from '../../reconcile/reconcile-sync.js';
import { ensureNamespace, uniqueName, type AgentHarness } from '../../test/agent-harness.js';
import { renderSource } from './render-source.js';

let h: AgentHarness;
let kubeconfig: string;
let deps: ReconcileDeps;

beforeAll(async () => {
  ({ h, kubeconfig } = await startDaemonCluster());
  deps = { kube: h.kube, source: h.source, renderer: { render: renderSource }, tools: { kubectl: kubectlPath(), helm: helmPath() }, tmpDir: h.tmp };
});
afterAll(async () => {
  await h?.close();
});

interface Synced {
  report: SyncReport;
  ns: string;
  repo: { path: string };
}

/** A Sync object in a fresh namespace over a fresh repository, reconciled once as `ferry-agent sync --once --sync` does. */
async function syncOnce(files: Record<string, string>, spec: Record<string, unknown>): Promise<Synced> {
  const ns = uniqueName('helm');
  await ensureNamespace(h, ns);
  const repo = await h.git.createRepo(`acme/${ns}`);
  await commitFiles(repo.path, files);
  await createSync(kubeconfig, ns, 'app', { url: repo.url, ...spec });
  return { report: await reconcile(ns), ns, repo };
}

async function reconcile(ns: string): Promise<SyncReport> {
  const [target] = await loadSyncTargets(h.kube, { namespace: ns, name: 'app' });
  if (!target) throw new Error('Sync not loaded');
  return isInvalidSync(target) ? reportInvalidSync(target, deps) : reconcileSync(target, deps, { healthTimeoutMs: 5_000 });
}

const getObject = (apiVersion: string, kind: string, name: string, namespace = '') => h.kube.get({ apiVersion, kind, namespace, name });
const dataOf = async (ns: string, name: string) => (await getObject('v1', 'ConfigMap', name, ns))?.data as Record<string, string> | undefined;

/** A namespaced CRD `widgets.<group>` (kind Widget, version v1) with an open schema; `extra` adds to spec.names. */
function widgetCrd(group: string, extra = ''): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
    singular: widget${extra}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
}

const chartYaml = (name: string) => `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`;

/** A chart with crds/ (the CRD) and a template using it (a Widget), like prometheus-operator's. */
function operatorChart(group: string, crdExtra = ''): Record<string, string> {
  return {
    'chart/Chart.yaml': chartYaml('operator'),
    'chart/crds/widgets.yaml': widgetCrd(group, crdExtra),
    'chart/templates/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: main\nspec:\n  size: 3\n`,
  };
}

describe('a chart\'s crds/ are applied in the CRD stage', () => {
  it('a chart with crds/ and a custom resource of them: the CRD is created first, then the Widget; Applied; the CRD is marked never to prune', async () => {
    const group = `${uniqueName('w')}.ferry.test`;
    const { report, ns } = await syncOnce(operatorChart(group), { render: 'helm', helm: { chart: 'chart' } });
    // Without --include-crds: `plan.unknown-kind` (no CRD defines Widget), Stalled.
    expect(report.outcome, report.message).toBe('Applied');
    const crd = await getObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `widgets.${group}`);
    expect(crd?.metadata.annotations?.['ferry.dev/prune']).toBe('disabled');
    expect(await getObject(`${group}/v1`, 'Widget', 'main', ns)).toMatchObject({ spec: { size: 3 } });
  });

  it('Create (the default) leaves an existing CRD as it is on a chart upgrade; CreateReplace updates it; neither prunes it', async () => {
    const groupA = `${uniqueName('wa')}.ferry.test`;
    const groupB = `${uniqueName('wb')}.ferry.test`;
    const a = await syncOnce(operatorChart(groupA), { render: 'helm', helm: { chart: 'chart' } });
    const b = await syncOnce(operatorChart(groupB), { render: 'helm', helm: { chart: 'chart', crds: 'CreateReplace' } });
    expect([a.report.outcome, b.report.outcome]).toEqual(['Applied', 'Applied']);
    // The chart's next version adds a short name to its CRD.
    await commitFiles(a.repo.path, operatorChart(groupA, '\n    shortNames: [wdg]'));
    await commitFiles(b.repo.path, operatorChart(groupB, '\n    shortNames: [wdg]'));
    expect((await reconcile(a.ns)).outcome).toBe('Applied');
    expect((await reconcile(b.ns)).outcome).toBe('Applied');
    const namesOf = async (group: string) => ((await getObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `widgets.${group}`))?.spec as { names: { shortNames?: string[] } }).names;
    expect((await namesOf(groupA)).shortNames).toBeUndefined();
    expect((await namesOf(groupB)).shortNames).toEqual(['wdg']);

    // The chart leaves the repository: its Widget is pruned, its CRD (and with it every Widget
    // of the cluster) is not.
    await commitFiles(b.repo.path, { 'chart/Chart.yaml': chartYaml('operator'), 'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: left\n' });
    expect((await reconcile(b.ns)).outcome).toBe('Applied');
    expect(await getObject(`${groupB}/v1`, 'Widget', 'main', b.ns)).toBeUndefined();
    expect(await getObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `widgets.${groupB}`)).toBeDefined();
  });

  it('Skip applies no CRD: the Widget then has no kind, Stalled, nothing applied', async () => {
    const group = `${uniqueName('ws')}.ferry.test`;
    const { report, ns } = await syncOnce(operatorChart(group), { render: 'helm', helm: { chart: 'chart', crds: 'Skip' } });
    expect(report.outcome).toBe('Stalled');
    expect(report.message).toContain('no CRD in this revision defines it');
    expect(await getObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', `widgets.${group}`)).toBeUndefined();
    expect(ns).toBeTruthy();
  });
});

describe('.Capabilities are the live server\'s', () => {
  it('a chart that fails unless .Capabilities.APIVersions.Has a CRD the server serves renders, and sees the server\'s version', async () => {
    const group = `${uniqueName('cap')}.ferry.test`;
    await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], { input: widgetCrd(group) });
    await waitForCrd(kubeconfig, `widgets.${group}`);
    const version = await h.kube.serverCapabilities();
    const { report, ns } = await syncOnce({
      'chart/Chart.yaml': chartYaml('needs-widgets'),
      'chart/templates/cm.yaml': `{{- if not (.Capabilities.APIVersions.Has "${group}/v1/Widget") }}{{ fail "this chart needs the Widget API" }}{{ end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: caps
data:
  group: {{ .Capabilities.APIVersions.Has "${group}/v1" | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
`,
    }, { render: 'helm', helm: { chart: 'chart' } });
    // Without --api-versions: `helm template failed: ... this chart needs the Widget API`, Stalled.
    expect(report.outcome, report.message).toBe('Applied');
    const data = await dataOf(ns, 'caps');
    expect(data?.group).toBe('true');
    // The test control plane reports a real version (kube-binaries.ts stamps it); helm's own default differs.
    expect(version.kubeVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(data?.kube).toBe(version.kubeVersion);
  });
});

describe('values inline in the Sync', () => {
  it('files, then inline (later wins), nested and with characters --set would parse', async () => {
    const { report, ns } = await syncOnce({
      'chart/Chart.yaml': chartYaml('web'),
      'chart/values.yaml': 'image: { tag: chart-default }\nreplicas: 1\nnote: chart\n',
      'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  tag: {{ .Values.image.tag | quote }}\n  replicas: {{ .Values.replicas | quote }}\n  note: {{ .Values.note | quote }}\n  odd: {{ .Values.odd | default "unset" | quote }}\n',
      'env/prod.yaml': 'image: { tag: from-file }\nreplicas: 2\n',
    }, { render: 'helm', helm: { chart: 'chart', valuesFiles: ['env/prod.yaml'], values: { image: { tag: 'inline' }, odd: 'a,b[0]=c.d\\e' } } });
    expect(report.outcome, report.message).toBe('Applied');
    expect(await dataOf(ns, 'web')).toEqual({ tag: 'inline', replicas: '2', note: 'chart', odd: 'a,b[0]=c.d\\e' });
  });
});

describe('kustomize helmCharts and components', () => {
  const chart = {
    'app/charts/c/Chart.yaml': chartYaml('c'),
    'app/charts/c/values.yaml': 'x: chart\n',
    'app/charts/c/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  x: {{ .Values.x | quote }}\n  policy: {{ .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" | quote }}\n',
    'components/team/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels:\n  team: blue\n',
  };

  it('a kustomization inflating a chart of the repository, with a component: rendered with the agent\'s helm and the live capabilities', async () => {
    const { report, ns } = await syncOnce({
      ...chart,
      'app/kustomization.yaml': 'helmCharts:\n  - name: c\n    releaseName: r\n    valuesInline:\n      x: inline\ncomponents:\n  - ../components/team\n',
    }, { path: 'app' });
    // Before: kustomize ran with --enable-helm=false and refused helmCharts.
    expect(report.outcome, report.message).toBe('Applied');
    const cm = await getObject('v1', 'ConfigMap', 'r-cm', ns);
    expect(cm?.data).toEqual({ x: 'inline', policy: 'true' });
    expect(cm?.metadata.labels?.team).toBe('blue');
  });

  const refusals: Array<[string, string, string]> = [
    ['a chart repository on the network', 'helmCharts:\n  - name: c\n    repo: https://charts.example.com\n', 'remote source'],
    ['a chart outside the repository', 'helmCharts:\n  - name: ../../../../etc\n', 'outside the repository'],
    ['helm configuration from the repository', 'helmGlobals:\n  configHome: helm-config\nhelmCharts:\n  - name: c\n', 'helmGlobals.configHome is not allowed'],
  ];
  it.each(refusals)('%s: Stalled with the kustomization\'s file, nothing applied', async (_name, kustomization, says) => {
    const { report, ns } = await syncOnce({ ...chart, 'app/kustomization.yaml': kustomization }, { path: 'app' });
    expect(report.outcome).toBe('Stalled');
    expect(report.message).toContain(says);
    expect(report.message).toContain('app/kustomization.yaml');
    expect(await getObject('v1', 'ConfigMap', 'r-cm', ns)).toBeUndefined();
  });
});

describe('bad helm fields never reach the agent or the cluster', () => {
  it.each([
    ['values as --set text', { values: 'replicas=3' }, 'spec.helm.values'],
    ['an unknown crds policy', { crds: 'Replace' }, 'spec.helm.crds'],
  ])('%s: the API server refuses the Sync, naming the field', async (_name, helm, field) => {
    const ns = uniqueName('helm-bad');
    await ensureNamespace(h, ns);
    await expect(createSync(kubeconfig, ns, 'app', { url: 'http://127.0.0.1:1/x.git', render: 'helm', helm })).rejects.toThrow(field);
    expect(await getObject('ferry.dev/v1alpha1', 'Sync', 'app', ns)).toBeUndefined();
  });
});

