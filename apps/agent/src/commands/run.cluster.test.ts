import { createServiceAccountIdentity, helmPath, kubectl, kubectlPath } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
// Test support from the agent package (test-only files, not part of its public API).
import { configMap, createSource, ensureNamespace, uniqueName, type AgentHarness } from '../../../../packages/agent/src/test/agent-harness.js';
import { createSync, useDaemonCluster, eventually, getSync, readyRevision } from '../../../../packages/agent/src/daemon/test/daemon-harness.js';
import { runCommand } from './run.js';

// The shipped install (kustomize base, namespaced variant, Helm chart rendered by the real helm)
// against the run's real kube-apiserver, and `ferry-agent run` running as the namespaced install's
// ServiceAccount with exactly the shipped Role.
const deploy = fileURLToPath(new URL('../../../../deploy/', import.meta.url));
const exec = promisify(execFile);
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const kustomize = async (dir: string) => kubectl(kubeconfig, ['kustomize', `${deploy}${dir}`]);
const helmTemplate = async (ns: string, ...set: string[]) =>
  (await exec(helmPath(), ['template', 'ferry', `${deploy}chart/ferry-agent`, '-n', ns, '--include-crds', ...set.flatMap((s) => ['--set', s])], { maxBuffer: 16 * 1024 * 1024 })).stdout;
const dryRun = (manifests: string, ns?: string) => kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '--dry-run=server', ...(ns ? ['-n', ns] : []), '-f', '-'], { input: manifests });

describe('shipped install', () => {
  it('the kustomize base applies to a real API server; the chart in both scopes passes a server-side dry run', async () => {
    const base = await kustomize('base');
    await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: base });
    const deployment = JSON.parse(await kubectl(kubeconfig, ['get', 'deployment', 'ferry-agent', '-n', 'ferry-system', '-o', 'json'])) as { spec: { template: { spec: { securityContext: Record<string, unknown>; containers: Array<{ securityContext: Record<string, unknown> }> } } } };
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(deployment.spec.template.spec.containers[0]?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });

    const ns = uniqueName('chart');
    await ensureNamespace(h, ns);
    const cluster = await helmTemplate(ns, 'webhook.existingSecret=hook');
    expect(cluster).toContain('kind: ClusterRoleBinding');
    await dryRun(cluster, ns);
    const namespaced = await helmTemplate(ns, 'rbac.scope=namespace');
    expect(namespaced).not.toMatch(/kind: Cluster(Role|RoleBinding)\b/);
    expect(namespaced).toContain('--namespace=$(POD_NAMESPACE)');
    await dryRun(namespaced, ns);
    await expect(helmTemplate(ns, 'rbac.scope=everything')).rejects.toThrow(/rbac.scope must be cluster or namespace/);
  });

  it('the namespace-scoped install: ferry-agent run with the shipped Role works in its namespace only', async () => {
    const ns = uniqueName('tenant');
    const other = uniqueName('elsewhere');
    await ensureNamespace(h, ns);
    await ensureNamespace(h, other);
    // The shipped namespaced variant, into the test namespace (Deployment included; it never runs here).
    const manifests = (await kustomize('namespaced')).replaceAll('ferry-tenant', ns);
    await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], { input: manifests });
    const identity = await createServiceAccountIdentity(kubeconfig, { namespace: ns, name: 'ferry-agent' });

    const src = await createSource(h, ns, {
      'inside/a.yaml': configMap('a', { v: '1' }),
      'outside/b.yaml': configMap('b', { v: '1' }, { namespace: other }),
    });
    await createSync(kubeconfig, ns, 'inside', { url: src.url, path: 'inside', interval: '1h' });
    await createSync(kubeconfig, ns, 'outside', { url: src.url, path: 'outside', interval: '1h' });
    await createSync(kubeconfig, other, 'not-mine', { url: src.url, path: 'inside', interval: '1h' });

    let logs = '';
    const sink = new Writable({ write(chunk, _enc, done) { logs += String(chunk); done(); } });
    const stop = new AbortController();
    const exit = runCommand(
      ['--kubeconfig', identity.kubeconfigPath, '--namespace', ns, '--lease-namespace', ns, '--metrics-addr', '127.0.0.1:0', '--cache-dir', `${h.tmp}/run-cache`, '--kubectl', kubectlPath(), '--shutdown-grace', '10s'],
      { stdout: sink, stderr: sink, env: {} },
      { signal: stop.signal },
    );
    try {
      // On a timeout, the agent's own log says why (it is otherwise lost with the process).
      const inside = await eventually('inside applied', 20_000, async () => readyRevision(await getSync(h, ns, 'inside')))
        .catch((error: Error) => { throw new Error(`${error.message}\nagent log:\n${logs}`); });
      expect(inside).toBe(src.first);
      const outside = await eventually('outside refused', 20_000, async () => {
        const conditions = ((await getSync(h, ns, 'outside'))?.status as { conditions?: Array<{ type: string; status: string; reason: string }> } | undefined)?.conditions;
        return conditions?.find((c) => c.type === 'Stalled' && c.status === 'True');
      });
      expect(outside.reason).toBe('Forbidden');
      expect(await h.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: other, name: 'b' })).toBeUndefined();
      // A Sync in another namespace is not even seen.
      expect((await getSync(h, other, 'not-mine'))?.status).toBeUndefined();
      const lease = await h.kube.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: ns, name: 'ferry-agent' });
      expect((lease?.spec as { holderIdentity?: string }).holderIdentity).toBeTruthy();
    } finally {
      stop.abort();
      expect(await exit).toBe(0);
    }
    // SIGTERM path: the Lease is released for the next replica.
    const lease = await h.kube.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: ns, name: 'ferry-agent' });
    expect((lease?.spec as { holderIdentity?: string }).holderIdentity).toBe('');
    const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l['sync'] === `${ns}/inside`).every((l) => typeof l['revision'] === 'string')).toBe(true);
    expect(lines.some((l) => l['msg'] === 'stopped')).toBe(true);
  });
});
