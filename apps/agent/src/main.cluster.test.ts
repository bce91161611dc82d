import { createServiceAccountIdentity, expectNoSecrets, helmPath, kubectl, kubectlPath, waitForCrd } from '@ferry/testenv';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// Test support from the agent package (test-only files, not part of its public API).
import { configMap, createSource, ensureNamespace, getConfigMap, startAgentHarness, uniqueName, type AgentHarness } from '../../../packages/agent/src/test/agent-harness.js';
import { readExampleFiles } from '../../../packages/agent/src/test/example-files.js';
import { main } from './main.js';

// The real CLI entry against the run's shared kube-apiserver and a real git http-backend with auth.
// The control plane runs no kubelet: Pods never start, so Deployments never become available.
const crdDir = fileURLToPath(new URL('../../../packages/agent/crds/', import.meta.url));
const gitUser = { username: 'agent', password: 'git-pass-9f8e7d' };
let h: AgentHarness;
let kubeconfig: string;

beforeAll(async () => {
  kubeconfig = inject('kubeconfigPath');
  h = await startAgentHarness(kubeconfig, {}, { auth: { basic: [gitUser] } });
  await kubectl(kubeconfig, ['apply', '--server-side', '-f', crdDir]);
  await waitForCrd(kubeconfig, 'syncs.ferry.dev');
});
afterAll(async () => {
  // Events of every namespace the run's tests used: none may carry the git password or a token.
  if (kubeconfig) expectNoSecrets(await kubectl(kubeconfig, ['get', 'events', '-A', '-o', 'json']), 'Kubernetes events');
  await h?.close();
});

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await main([...argv, '--kubeconfig', kubeconfig, '--cache-dir', `${h.tmp}/cli-cache`], {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env,
  });
  expectNoSecrets(`${stdout}\n${stderr}`, `ferry-agent ${argv[0] ?? ''} output`);
  return { code, stdout, stderr };
}

async function createSync(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name, namespace }, spec }),
  });
}

async function syncStatus(namespace: string, name: string) {
  const out = await kubectl(kubeconfig, ['get', 'sync', name, '-n', namespace, '-o', 'json']);
  expectNoSecrets(JSON.parse(out).status, `Sync ${namespace}/${name} status`);
  return JSON.parse(out).status as { conditions: Array<{ type: string; status: string; reason: string; message: string }>; lastAppliedRevision?: string; lastAttemptedRevision?: string; inventorySize?: number; observedGeneration?: number };
}

describe('ferry-agent against a real API server', () => {
  it('syncs a Sync object with the kustomize example, using credentials from its Secret, and says which object is unhealthy', async () => {
    const ns = uniqueName('cli-kustomize');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, readExampleFiles('kustomize-app'));
    await kubectl(kubeconfig, ['create', 'secret', 'generic', 'git-auth', '-n', ns, `--from-literal=username=${gitUser.username}`, `--from-literal=password=${gitUser.password}`]);
    // Opted in as git credentials for this git server only (docs/agent.md, secretRef).
    await kubectl(kubeconfig, ['label', 'secret', 'git-auth', '-n', ns, 'ferry.dev/git-credentials=true']);
    await kubectl(kubeconfig, ['annotate', 'secret', 'git-auth', '-n', ns, `ferry.dev/git-hosts=${new URL(src.url).host}`]);
    await createSync(ns, 'web', { url: src.url, path: 'examples/kustomize-app/overlays/staging', secretRef: { name: 'git-auth' }, timeout: '2s' });

    const result = await run(['sync', '--once', '--sync', `${ns}/web`, '--kubectl', kubectlPath(), '--json']);
    expect(result.code, result.stdout + result.stderr).toBe(4);
    expect(result.stdout).not.toContain(gitUser.password);
    const report = JSON.parse(result.stdout) as { exitCode: number; syncs: Array<{ outcome: string; changes: Array<{ action: string }> }> };
    expect(report.syncs[0]?.outcome).toBe('Unhealthy');
    expect(report.syncs[0]?.changes.map((c) => c.action)).toEqual(['create', 'create', 'create']);

    const status = await syncStatus(ns, 'web');
    expect(status).toMatchObject({ lastAppliedRevision: src.first, lastAttemptedRevision: src.first, inventorySize: 3, observedGeneration: 1 });
    const ready = status.conditions.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'HealthCheckFailed' });
    expect(ready?.message).toContain(`Deployment ${ns}/staging-web: 0/1 replicas available`);
    expect(status.conditions.find((c) => c.type === 'Reconciling')?.status).toBe('True');
    const live = await h.kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'staging-web' });
    expect((live?.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]?.image).toBe('ghcr.io/acme/web:1.1.0');

    // `kubectl get syncs` tells the story through the printer columns.
    const table = await kubectl(kubeconfig, ['get', 'syncs', '-n', ns]);
    expect(table).toMatch(/NAME\s+READY\s+REVISION\s+OBJECTS\s+AGE\s+STATUS/);
    expect(table).toMatch(new RegExp(`web\\s+False\\s+${src.first}\\s+3\\s+`));
  });

  it('renders the Helm example from flags with values files from the repository', async () => {
    const ns = uniqueName('cli-helm');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, readExampleFiles('helm-app'));
    const result = await run(
      ['sync', '--once', '--url', src.url, '--render', 'helm', '--helm-chart', 'examples/helm-app/chart', '--values', 'examples/helm-app/env/production.yaml',
        '--namespace', ns, '--state-namespace', ns, '--name', 'shop', '--helm', helmPath(), '--health-timeout', '1s'],
      { FERRY_GIT_USERNAME: gitUser.username, FERRY_GIT_PASSWORD: gitUser.password },
    );
    expect(result.code, result.stdout + result.stderr).toBe(4); // applied; Deployment cannot become available here
    expect(result.stdout).toContain(`Deployment ${ns}/shop`);
    expect((await getConfigMap(h, ns, 'shop-config'))?.data).toEqual({ GREETING: 'hello-production' });
    const deployment = await h.kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'shop' });
    expect((deployment?.spec as { replicas: number }).replicas).toBe(3);
  });

  it('diff shows what a sync would change and changes nothing; exit 1 on changes, 0 when in sync', async () => {
    const ns = uniqueName('cli-diff');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }), 'app/b.yaml': configMap('b', { v: '1' }) });
    const env = { FERRY_GIT_USERNAME: gitUser.username, FERRY_GIT_PASSWORD: gitUser.password };
    const flags = ['--url', src.url, '--path', 'app', '--namespace', ns, '--state-namespace', ns];
    expect((await run(['sync', '--once', ...flags], env)).code).toBe(0);
    expect((await run(['diff', ...flags], env)).code).toBe(0);

    await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }), 'app/c.yaml': configMap('c', { v: '1' }) });
    const diff = await run(['diff', ...flags], env);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain(`would configure ConfigMap ${ns}/a: data.v`);
    expect(diff.stdout).toContain(`would create ConfigMap ${ns}/c`);
    expect(diff.stdout).toContain(`would prune ConfigMap ${ns}/b`);
    expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '1' });
    expect(await getConfigMap(h, ns, 'c')).toBeUndefined();
    expect(await getConfigMap(h, ns, 'b')).toBeDefined();
  });

  it('an agent limited to one namespace reports a clear Forbidden condition and applies nothing', async () => {
    const ns = uniqueName('cli-rbac');
    const other = uniqueName('cli-rbac-other');
    await ensureNamespace(h, other);
    const identity = await createServiceAccountIdentity(kubeconfig, { namespace: ns, name: 'agent', namespaceRole: 'admin' });
    const src = await createSource(h, ns, {
      'app/mine.yaml': configMap('mine', { v: '1' }, { namespace: ns }),
      'app/theirs.yaml': configMap('theirs', { v: '1' }, { namespace: other }),
    });
    let stdout = '';
    const code = await main(
      ['sync', '--once', '--url', src.url, '--path', 'app', '--state-namespace', ns, '--kubeconfig', identity.kubeconfigPath, '--cache-dir', `${h.tmp}/rbac-cache`, '--json'],
      { stdout: new Writable({ write(c, _e, d) { stdout += String(c); d(); } }), stderr: new Writable({ write(_c, _e, d) { d(); } }), env: { FERRY_GIT_USERNAME: gitUser.username, FERRY_GIT_PASSWORD: gitUser.password } },
    );
    expect(code).toBe(3);
    const report = JSON.parse(stdout) as { syncs: Array<{ outcome: string; reason: string; message: string; error: { file: string } }> };
    expect(report.syncs[0]).toMatchObject({ outcome: 'Stalled', reason: 'Forbidden', error: { file: 'app/theirs.yaml' } });
    expect(report.syncs[0]?.message).toContain('Forbidden');
    expect(report.syncs[0]?.message).toContain(`ConfigMap ${other}/theirs`);
    expect(await getConfigMap(h, ns, 'mine')).toBeUndefined();
  });

  it('reports an unusable Sync as Stalled (InvalidConfig) in its status', async () => {
    const ns = uniqueName('cli-invalid');
    await ensureNamespace(h, ns);
    await createSync(ns, 'broken', { url: 'https://example.invalid/x.git', secretRef: { name: 'missing' } });
    const result = await run(['sync', '--once', '--all', '--sync-namespace', ns]);
    expect(result.code).toBe(3);
    const status = await syncStatus(ns, 'broken');
    expect(status.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidConfig' });
    expect(status.conditions.find((c) => c.type === 'Ready')?.message).toContain('Secret');
  });

  it('usage errors exit 2 without touching the cluster', async () => {
    const result = await run(['sync', '--all']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--once');
  });
});
