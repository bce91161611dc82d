// Test support: a git credentials Secret for spec.secretRef, opted in for the given hosts the way
// docs/agent.md says (label ferry.dev/git-credentials: "true", annotation ferry.dev/git-hosts).
import type { KubeApi } from '../adapters/kube-client.js';
import { GitCredentialsLabel, GitHostsAnnotation } from '../sync/git-credentials-policy.js';

export interface GitCredentialsSecretOptions {
  /** Default true: the label is set. */
  optIn?: boolean;
  /** `host:port` entries for the annotation (e.g. `new URL(server.url).host`); none: no annotation. */
  hosts?: readonly string[];
}

export async function applyGitCredentialsSecret(kube: KubeApi, namespace: string, name: string, data: Record<string, string>, options: GitCredentialsSecretOptions = {}): Promise<void> {
  await kube.apply({
    apiVersion: 'v1', kind: 'Secret',
    metadata: {
      name, namespace,
      ...(options.optIn === false ? {} : { labels: { [GitCredentialsLabel]: 'true' } }),
      ...(options.hosts ? { annotations: { [GitHostsAnnotation]: options.hosts.join(',') } } : {}),
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
}
