import type { AgentEnv } from './agent-env.js';

/** How ferry-agent reaches the API server. */
export type ClusterAccess = { kubeconfigPath: string } | { inCluster: { host: string; port: string } };

/**
 * The one rule, for `sync`, `diff` and `run`: `--kubeconfig`, else `$KUBECONFIG` (its first file),
 * else in-cluster when KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are both set (as
 * client-go decides); undefined when none applies.
 */
export function resolveClusterAccess(kubeconfigFlag: string | undefined, env: AgentEnv): ClusterAccess | undefined {
  const kubeconfig = kubeconfigFlag ?? env.kubeconfig;
  if (kubeconfig) return { kubeconfigPath: kubeconfig.split(':')[0] as string };
  if (env.inCluster) return { inCluster: env.inCluster };
  return undefined;
}
