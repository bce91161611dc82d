import { describe, expect, it } from 'vitest';
import type { SyncReport } from '../ports.js';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, eventually, getSync, readyRevision, useDaemonCluster, startTestAgent } from './test/daemon-harness.js';

// Tenants on the run's real kube-apiserver (RBAC on): a Sync's objects are read, dry-run, written and
// pruned as its ServiceAccount (impersonation), its inventory and status written by the agent.
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

/** A ServiceAccount with the built-in `edit` ClusterRole in its own namespace only. */
async function tenantAccount(namespace: string, name: string): Promise<void> {
  await h.kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
  await h.kube.apply({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `${name}-edit`, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
}

const clusterRole = (name: string) => JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [] }) + '\n';
const conditionOf = (sync: Awaited<ReturnType<typeof getSync>>, type: string) =>
  ((sync?.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } | undefined)?.conditions ?? []).find((c) => c.type === type);

describe('tenants (spec.serviceAccountName, --default-service-account)', () => {
  it('a tenant Sync cannot create a ClusterRole or an object in another namespace: Forbidden with file and line, nothing applied or pruned, other Syncs unaffected', async () => {
    const ns = uniqueName('tenant');
    const other = uniqueName('other');
    await ensureNamespace(h, ns);
    await ensureNamespace(h, other);
    await tenantAccount(ns, 'deployer');
    const roleName = uniqueName('tenant-escalate');
    const team = await createSource(h, `${ns}-team`, { 'app/x.yaml': configMap('x', { v: '1' }) });
    const neighbour = await createSource(h, `${ns}-neighbour`, { 'app/n.yaml': configMap('n', { v: '1' }) });
    await createSync(kubeconfig, ns, 'team', { url: team.url, path: 'app', interval: '1h', serviceAccountName: 'deployer' });
    await createSync(kubeconfig, ns, 'neighbour', { url: neighbour.url, path: 'app', interval: '1h', serviceAccountName: 'deployer' });
    const reports: SyncReport[] = [];
    const agent = await startTestAgent(h, kubeconfig, ns, {}, { onReport: (report) => reports.push(report) });
    try {
      expect(await eventually('team applied', 20_000, async () => readyRevision(await getSync(h, ns, 'team')))).toBe(team.first);
      expect(await eventually('neighbour applied', 20_000, async () => readyRevision(await getSync(h, ns, 'neighbour')))).toBe(neighbour.first);
      // The inventory is the agent's: written although the tenant's objects are ConfigMaps too.
      expect(await getConfigMap(h, ns, 'ferry-inventory-team')).toBeDefined();

      // The next revision drops x, adds y, a ClusterRole and a ConfigMap in another namespace.
      const escalate = await team.commit({
        'app/y.yaml': configMap('y', { v: '1' }),
        'app/cluster-role.yaml': clusterRole(roleName),
        'app/elsewhere.yaml': configMap('elsewhere', { v: '1' }, { namespace: other }),
      });
      await h.kube.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace: ns, name: 'team' }, { metadata: { annotations: { 'ferry.dev/reconcile-requested-at': 'escalate' } } });
      const refused = await eventually('team refused', 20_000, async () => reports.find((r) => r.sync.name === 'team' && r.revision === escalate && r.outcome === 'Stalled'));
      expect(refused).toMatchObject({ reason: 'Forbidden', error: { code: 'apply.forbidden' } });
      expect(refused.error?.file).toMatch(/^app\/(cluster-role|elsewhere)\.yaml$/);
      expect(refused.error?.line).toBe(1);
      expect(refused.message).toContain(`system:serviceaccount:${ns}:deployer`);
      expect(refused.message).toMatch(/app\/cluster-role\.yaml:1: .*clusterroles/);
      expect(refused.message).toMatch(new RegExp(`app/elsewhere\\.yaml:1: .*namespace "${other}"`));
      const status = await eventually('status says Forbidden', 10_000, async () => {
        const stalled = conditionOf(await getSync(h, ns, 'team'), 'Stalled');
        return stalled?.reason === 'Forbidden' ? stalled : undefined;
      });
      expect(status.message).toContain('app/cluster-role.yaml:1');
      // Nothing applied, nothing pruned.
      expect(await h.kube.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespace: '', name: roleName })).toBeUndefined();
      expect(await getConfigMap(h, other, 'elsewhere')).toBeUndefined();
      expect(await getConfigMap(h, ns, 'y')).toBeUndefined();
      expect((await getConfigMap(h, ns, 'x'))?.data).toEqual({ v: '1' });

      // The neighbour, same ServiceAccount and namespace, keeps syncing.
      const next = await neighbour.commit({ 'app/n.yaml': configMap('n', { v: '2' }) });
      await h.kube.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', namespace: ns, name: 'neighbour' }, { metadata: { annotations: { 'ferry.dev/reconcile-requested-at': 'next' } } });
      await eventually('neighbour applied its next revision', 20_000, async () => readyRevision(await getSync(h, ns, 'neighbour')) === next && ((await getConfigMap(h, ns, 'n'))?.data as Record<string, string> | undefined)?.['v'] === '2');
    } finally {
      await agent.stop(5_000);
    }
  });

  it('--default-service-account applies to Syncs that name none; a Sync naming a ServiceAccount uses its own', async () => {
    const ns = uniqueName('locked');
    await ensureNamespace(h, ns);
    await tenantAccount(ns, 'deployer');
    // "nobody" exists but is bound to nothing: a Sync running as it may do nothing.
    await h.kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace: ns } });
    const src = await createSource(h, `${ns}-src`, { 'app/a.yaml': configMap('a', { v: '1' }) });
    await createSync(kubeconfig, ns, 'unnamed', { url: src.url, path: 'app', interval: '1h' });
    await createSync(kubeconfig, ns, 'named', { url: src.url, path: 'app', interval: '1h', serviceAccountName: 'deployer', namespace: ns });
    const agent = await startTestAgent(h, kubeconfig, ns, { defaultServiceAccount: 'nobody' });
    try {
      const stalled = await eventually('unnamed refused', 20_000, async () => {
        const condition = conditionOf(await getSync(h, ns, 'unnamed'), 'Stalled');
        return condition?.status === 'True' ? condition : undefined;
      });
      expect(stalled.reason).toBe('Forbidden');
      expect(stalled.message).toContain(`system:serviceaccount:${ns}:nobody`);
      expect(stalled.message).toContain('app/a.yaml:1');
      expect(await eventually('named applied', 20_000, async () => readyRevision(await getSync(h, ns, 'named')))).toBe(src.first);
    } finally {
      await agent.stop(5_000);
    }
  });

  it('a bad spec.serviceAccountName is refused with the field named and nothing applied', async () => {
    const ns = uniqueName('badsa');
    await ensureNamespace(h, ns);
    const src = await createSource(h, `${ns}-src`, { 'app/a.yaml': configMap('a', { v: '1' }) });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1h', serviceAccountName: 'Not_A_Name' });
    const agent = await startTestAgent(h, kubeconfig, ns);
    try {
      const stalled = await eventually('refused', 20_000, async () => {
        const condition = conditionOf(await getSync(h, ns, 'app'), 'Stalled');
        return condition?.status === 'True' ? condition : undefined;
      });
      expect(stalled).toMatchObject({ reason: 'InvalidConfig', message: expect.stringContaining('spec.serviceAccountName') });
      expect(await getConfigMap(h, ns, 'a')).toBeUndefined();
    } finally {
      await agent.stop(5_000);
    }
  });
});
