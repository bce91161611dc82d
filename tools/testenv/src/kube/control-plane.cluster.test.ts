// Against the run's shared control plane (global setup): server-side apply, controllers, RBAC.
import { describe, expect, inject, it } from 'vitest';
import { createServiceAccountIdentity } from './restricted-identity.js';
import { kubectl, runKubectl, waitForCrd } from './run-kubectl.js';

const kubeconfigPath = inject('kubeconfigPath');

// Polls a condition with a bounded deadline: controllers act asynchronously.
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const deployment = (namespace: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0.0' }] } },
  },
});

describe('control plane', () => {
  it('server-side applies a Deployment, and the controller manager gives it a ReplicaSet and pods', async () => {
    await kubectl(kubeconfigPath, ['create', 'namespace', 'cp-deploy']);
    const out = await kubectl(kubeconfigPath, ['apply', '--server-side', '--field-manager=ferry-test', '-f', '-'], {
      input: JSON.stringify(deployment('cp-deploy')),
    });
    expect(out).toContain('deployment.apps/web serverside-applied');

    const managers = JSON.parse(await kubectl(kubeconfigPath, ['get', 'deployment', 'web', '-n', 'cp-deploy', '--show-managed-fields', '-o', 'json'])) as {
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    expect(managers.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'ferry-test', operation: 'Apply' }));

    const replicaSet = await eventually('a ReplicaSet owned by the Deployment', async () => {
      const list = JSON.parse(await kubectl(kubeconfigPath, ['get', 'replicasets', '-n', 'cp-deploy', '-o', 'json'])) as {
        items: { metadata: { ownerReferences?: { kind: string; name: string }[] }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[];
      };
      return list.items.find((rs) => rs.metadata.ownerReferences?.some((owner) => owner.kind === 'Deployment' && owner.name === 'web'));
    });
    expect(replicaSet.spec.replicas).toBe(2);
    expect(replicaSet.spec.template.spec.containers[0]?.image).toBe('registry.example/web:1.0.0');
    // The ReplicaSet controller creates the pods (no kubelet runs them).
    await eventually('two pods', async () => {
      const names = (await kubectl(kubeconfigPath, ['get', 'pods', '-n', 'cp-deploy', '-o', 'name'])).trim().split('\n').filter(Boolean);
      return names.length === 2 ? names : undefined;
    });
  });

  it('server-side applies a CRD and a custom resource of it', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.ferry.example' },
      spec: {
        group: 'ferry.example',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } },
        }],
      },
    };
    await kubectl(kubeconfigPath, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(crd) });
    await waitForCrd(kubeconfigPath, 'widgets.ferry.example', 30_000);
    await kubectl(kubeconfigPath, ['create', 'namespace', 'cp-crd']);
    const widget = { apiVersion: 'ferry.example/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'cp-crd' }, spec: { size: 3 } };
    // Discovery of the new group can lag Established by a moment; retry until kubectl maps the kind.
    await eventually('the Widget to be applied', async () => {
      const result = await runKubectl(kubeconfigPath, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(widget) });
      return result.exitCode === 0 ? result : undefined;
    });
    expect(await kubectl(kubeconfigPath, ['get', 'widgets.ferry.example', 'w1', '-n', 'cp-crd', '-o', 'jsonpath={.spec.size}'])).toBe('3');

    // The schema is enforced: a string where an integer belongs is refused.
    const bad = await runKubectl(kubeconfigPath, ['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify({ ...widget, spec: { size: 'big' } }),
    });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('.spec.size: expected numeric (int or float), got string');
  });

  it('refuses a namespace-limited identity outside its namespace (RBAC)', async () => {
    await kubectl(kubeconfigPath, ['create', 'namespace', 'cp-other']);
    const agent = await createServiceAccountIdentity(kubeconfigPath, { namespace: 'cp-agent', name: 'agent', namespaceRole: 'admin' });
    expect(agent.user).toBe('system:serviceaccount:cp-agent:agent');

    // Allowed in its own namespace...
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'cp-agent' }, data: { a: '1' } };
    await kubectl(agent.kubeconfigPath, ['apply', '--server-side', '-f', '-'], { input: JSON.stringify(cm) });
    // ...refused in another one, and cluster-wide.
    const elsewhere = await runKubectl(agent.kubeconfigPath, ['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify({ ...cm, metadata: { name: 'c', namespace: 'cp-other' } }),
    });
    expect(elsewhere.exitCode).not.toBe(0);
    expect(elsewhere.stderr).toContain('is forbidden: User "system:serviceaccount:cp-agent:agent" cannot');
    const nodes = await runKubectl(agent.kubeconfigPath, ['get', 'namespaces']);
    expect(nodes.exitCode).not.toBe(0);
    expect(nodes.stderr).toMatch(/Forbidden|forbidden/);
    await expect(kubectl(kubeconfigPath, ['get', 'configmap', 'c', '-n', 'cp-other'])).rejects.toThrow(/NotFound|not found/);
  });
});
