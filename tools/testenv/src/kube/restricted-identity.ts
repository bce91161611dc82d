// Non-admin identities for RBAC tests, made through the cluster's own API so any test worker can make
// one from the admin kubeconfig alone: a ServiceAccount, optionally bound to a ClusterRole in its
// namespace only, and a kubeconfig carrying a short-lived token from the TokenRequest API - the same
// kind of credential an in-cluster agent uses.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKubeconfigCluster, writeKubeconfig } from './kubeconfig.js';
import { kubectl } from './run-kubectl.js';

export interface ServiceAccountIdentityOptions {
  namespace: string;
  name: string;
  /** Bind this ClusterRole (e.g. the built-in `admin`, `edit`, `view`) in `namespace` only. */
  namespaceRole?: string;
  /** Where to write the kubeconfig; a temporary file by default. */
  outputPath?: string;
  /** Token lifetime (default 1h). */
  tokenDuration?: string;
}

export interface ServiceAccountIdentity {
  kubeconfigPath: string;
  /** The user name the apiserver sees: system:serviceaccount:<namespace>:<name>. */
  user: string;
  token: string;
}

export async function createServiceAccountIdentity(adminKubeconfigPath: string, options: ServiceAccountIdentityOptions): Promise<ServiceAccountIdentity> {
  const { namespace, name } = options;
  const objects: object[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } },
  ];
  if (options.namespaceRole) {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${name}-${options.namespaceRole}`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: options.namespaceRole },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }
  await kubectl(adminKubeconfigPath, ['apply', '--server-side', '--field-manager=ferry-testenv', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
  const token = (
    await kubectl(adminKubeconfigPath, ['create', 'token', name, '-n', namespace, `--duration=${options.tokenDuration ?? '1h'}`])
  ).trim();
  const { server, caPem } = readKubeconfigCluster(adminKubeconfigPath);
  const user = `system:serviceaccount:${namespace}:${name}`;
  const kubeconfigPath = options.outputPath ?? join(await mkdtemp(join(tmpdir(), 'ferry-identity-')), 'kubeconfig');
  await writeKubeconfig({ path: kubeconfigPath, server, caPem, user, credential: { token }, namespace });
  return { kubeconfigPath, user, token };
}
