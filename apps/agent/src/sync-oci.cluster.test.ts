// Issue 13, OCI charts with registry credentials, end to end through `ferry-agent sync --once`: the
// real registry (distribution v3) with htpasswd auth on, a chart pushed there by real `helm push`,
// the real API server and git http-backend. Sync objects name a kubernetes.io/dockerconfigjson
// Secret (spec.helm.secretRef); a source given by flags takes --helm-version, --helm-digest and
// --helm-registry-config. No secret: a clear refusal; wrong: another; right: applied.
import { commitFiles, expectNoSecrets, helmPath, kubectl, kubectlPath, startRegistry, type TestRegistry } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, startDaemonCluster } from '../../../packages/agent/src/daemon/test/daemon-harness.js';
import { ensureNamespace, uniqueName, type AgentHarness } from '../../../packages/agent/src/test/agent-harness.js';
import { main } from './main.js';

const exec = promisify(execFile);
const PULLER = { username: 'puller', password: 'registry-pass-4711' };
let h: AgentHarness;
let kubeconfig: string;
let registry: TestRegistry;
let work: string;
let digest: string;

const dockerConfig = (host: string, username: string, password: string) =>
  JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } });

beforeAll(async () => {
  ({ h, kubeconfig } = await startDaemonCluster());
  registry = await startRegistry({ auth: { kind: 'htpasswd', users: [PULLER] } });
  work = join(h.tmp, uniqueName('oci-auth'));
  // `helm package` then `helm push` as the puller (htpasswd lets an authenticated user push).
  const dir = join(work, 'chart');
  await mkdir(join(dir, 'templates'), { recursive: true });
  await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: private\nversion: 1.0.0\n');
  await writeFile(join(dir, 'values.yaml'), 'greeting: hello\n');
  await writeFile(join(dir, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  greeting: {{ .Values.greeting | quote }}\n');
  const env = { PATH: process.env.PATH ?? '', HOME: work, HELM_CONFIG_HOME: join(work, '.config'), HELM_CACHE_HOME: join(work, '.cache'), HELM_DATA_HOME: join(work, '.data') };
  await writeFile(join(work, 'push-config.json'), dockerConfig(registry.host, PULLER.username, PULLER.password), { mode: 0o600 });
  await exec(helmPath(), ['package', dir, '--destination', work], { env });
  const archive = (await readdir(work)).find((f) => f.endsWith('.tgz'))!;
  const pushed = await exec(helmPath(), ['push', join(work, archive), `oci://${registry.host}/charts`, '--plain-http', `--registry-config=${join(work, 'push-config.json')}`], { env });
  digest = /Digest: (sha256:[a-f0-9]{64})/.exec(`${pushed.stdout}\n${pushed.stderr}`)![1]!;
});
afterAll(async () => {
  await registry?.close();
  await h?.close();
});

interface Run { code: number; stdout: string; stderr: string; report: { outcome: string; reason: string; message: string; error?: { code: string } } | undefined }

async function agent(argv: string[], cacheDir = join(work, uniqueName('cache'))): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await main([...argv, '--kubeconfig', kubeconfig, '--cache-dir', cacheDir, '--helm', helmPath(), '--kubectl', kubectlPath(), '--json'], {
    stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: { TMPDIR: h.tmp },
  });
  const output = `${stdout}\n${stderr}`;
  expect(output).not.toContain(PULLER.password);
  expect(output).not.toContain(Buffer.from(`${PULLER.username}:${PULLER.password}`).toString('base64'));
  expectNoSecrets(output, 'ferry-agent output');
  const report = stdout.trim().startsWith('{') ? (JSON.parse(stdout) as { syncs: Run['report'][] }).syncs[0] : undefined;
  return { code, stdout, stderr, report };
}

async function registrySecret(ns: string, name: string, config: string): Promise<void> {
  await h.kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(config).toString('base64') } });
}

const configMapOf = (ns: string, name: string) => h.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });

describe('registry credentials for oci:// charts (spec.helm.secretRef)', () => {
  it('no secret, a missing one, one for another host, a wrong password: clear refusals, nothing applied; the right one: applied', async () => {
    const ns = uniqueName('oci-secret');
    await ensureNamespace(h, ns);
    const repo = await h.git.createRepo(`acme/${ns}`);
    await commitFiles(repo.path, { 'README.md': 'the chart is in a private registry\n' });
    const chart = `oci://${registry.host}/charts/private`;
    const sync = (helm: Record<string, unknown>) => createSync(kubeconfig, ns, 'app', { url: repo.url, helm: { chart, version: '1.0.0', digest, ...helm } });
    const once = () => agent(['sync', '--once', '--sync', `${ns}/app`]);

    await sync({});
    const anonymous = await once();
    expect(anonymous.code).toBe(3);
    expect(anonymous.report).toMatchObject({ outcome: 'Stalled', reason: 'FetchFailed', error: { code: 'render.helm-pull-failed' } });
    expect(anonymous.report?.message).toMatch(/helm pull oci:\/\/.*\/charts\/private --version 1\.0\.0: .*(unauthorized|401|basic credential not found)/i);
    expect(`${anonymous.stdout}`).toMatch(/name a kubernetes\.io\/dockerconfigjson Secret in spec\.helm\.secretRef/);

    await sync({ secretRef: { name: 'registry' } });
    const missing = await once();
    expect(missing.report).toMatchObject({ outcome: 'Stalled', reason: 'InvalidConfig', error: { code: 'sync.secret-not-found' } });
    expect(missing.report?.message).toMatch(new RegExp(`Secret ${ns}/registry named by spec.helm.secretRef does not exist`));

    await registrySecret(ns, 'registry', dockerConfig('other.example.com', PULLER.username, PULLER.password));
    const otherHost = await once();
    expect(otherHost.report).toMatchObject({ outcome: 'Stalled', error: { code: 'sync.secret-host-denied' } });
    expect(otherHost.report?.message).toMatch(new RegExp(`has no credentials for the chart's registry ${registry.host.replace(/\./g, '\\.')} \\(it has other\\.example\\.com\\)`));

    await registrySecret(ns, 'registry', dockerConfig(registry.host, PULLER.username, 'not-the-password'));
    const wrong = await once();
    expect(wrong.report).toMatchObject({ outcome: 'Stalled', reason: 'FetchFailed', error: { code: 'render.helm-pull-failed' } });
    expect(wrong.stdout).toMatch(/the registry refused the credentials of spec\.helm\.secretRef/);
    expect(await configMapOf(ns, 'app-cm')).toBeUndefined();

    // A Secret of another type is refused by name.
    await h.kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: ns }, type: 'Opaque', data: { password: Buffer.from('x').toString('base64') } });
    await sync({ secretRef: { name: 'opaque' } });
    expect((await once()).report).toMatchObject({ outcome: 'Stalled', error: { code: 'sync.secret-invalid' } });

    await registrySecret(ns, 'registry', dockerConfig(`https://${registry.host}/v2/`, PULLER.username, PULLER.password));
    await sync({ secretRef: { name: 'registry' } });
    const right = await once();
    expect(right.report?.outcome, right.report?.message).toBe('Applied');
    expect((await configMapOf(ns, 'app-cm'))?.data).toEqual({ greeting: 'hello' });
  });

  it('the Secret is read as the Sync\'s ServiceAccount: one that may not read it is Forbidden, nothing pulled', async () => {
    const ns = uniqueName('oci-tenant');
    await ensureNamespace(h, ns);
    await kubectl(kubeconfig, ['-n', ns, 'create', 'serviceaccount', 'tenant']);
    // May apply ConfigMaps, but not read Secrets.
    await kubectl(kubeconfig, ['-n', ns, 'create', 'role', 'configmaps', '--verb=get,list,create,update,patch,delete', '--resource=configmaps']);
    await kubectl(kubeconfig, ['-n', ns, 'create', 'rolebinding', 'tenant', '--role=configmaps', `--serviceaccount=${ns}:tenant`]);
    const repo = await h.git.createRepo(`acme/${ns}`);
    await commitFiles(repo.path, { 'README.md': 'private chart\n' });
    await registrySecret(ns, 'registry', dockerConfig(registry.host, PULLER.username, PULLER.password));
    await createSync(kubeconfig, ns, 'app', { url: repo.url, serviceAccountName: 'tenant', helm: { chart: `oci://${registry.host}/charts/private`, version: '1.0.0', secretRef: { name: 'registry' } } });
    const run = await agent(['sync', '--once', '--sync', `${ns}/app`]);
    expect(run.report).toMatchObject({ outcome: 'Stalled', reason: 'Forbidden' });
    expect(run.report?.message).toMatch(/secrets/);
    expect(await configMapOf(ns, 'app-cm')).toBeUndefined();
  });

  it('sync --once flags: --helm-chart oci://, --helm-version, --helm-digest, --helm-registry-config', async () => {
    const ns = uniqueName('oci-flags');
    await ensureNamespace(h, ns);
    const repo = await h.git.createRepo(`acme/${ns}`);
    await commitFiles(repo.path, { 'values/prod.yaml': 'greeting: from-flags\n' });
    const configFile = join(work, `${ns}-config.json`);
    await writeFile(configFile, dockerConfig(registry.host, PULLER.username, PULLER.password), { mode: 0o600 });
    const flags = ['sync', '--once', '--url', repo.url, '--state-namespace', ns, '--namespace', ns, '--name', 'flags-app',
      '--helm-chart', `oci://${registry.host}/charts/private`, '--helm-version', '1.0.0', '--values', 'values/prod.yaml'];

    const anonymous = await agent(flags);
    expect(anonymous.code).toBe(3);
    expect(anonymous.stdout).toMatch(/sync --once: --helm-registry-config FILE/);

    const wrongPin = await agent([...flags, '--helm-registry-config', configFile, '--helm-digest', `sha256:${'0'.repeat(64)}`]);
    expect(wrongPin.report).toMatchObject({ outcome: 'Stalled', error: { code: 'render.helm-chart-digest' } });

    const cacheDir = join(work, `${ns}-shared-cache`);
    const applied = await agent([...flags, '--helm-registry-config', configFile, '--helm-digest', digest], cacheDir);
    expect(applied.code, applied.report?.message).toBe(0);
    expect((await configMapOf(ns, 'flags-app-cm'))?.data).toEqual({ greeting: 'from-flags' });
    // The chart pulled with credentials is cached apart: the same pin without them, on the same
    // cache, still asks the registry and is refused.
    const noCredentials = await agent([...flags, '--helm-digest', digest, '--force'], cacheDir);
    expect(noCredentials.report).toMatchObject({ outcome: 'Stalled', error: { code: 'render.helm-pull-failed' } });

    const bad = await agent([...flags, '--helm-registry-config', join(work, 'missing.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot read --helm-registry-config .*missing\.json: ENOENT/);
  });
});
