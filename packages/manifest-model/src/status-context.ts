/**
 * The commit-status context an agent writes and the promoter reads (`--wait-live`, `ferry status`):
 * `ferry/<cluster>/<namespace>/<sync>`. One definition for both sides of the wire.
 */
const PREFIX = 'ferry';
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Cluster names become part of the context: letters, digits, `.`, `_`, `-`. Undefined when valid. */
export function checkClusterName(cluster: string): string | undefined {
  return CLUSTER_NAME.test(cluster) ? undefined : `cluster name "${cluster}" must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit`;
}

export function formatStatusContext(cluster: string, sync: { namespace: string; name: string }): string {
  return `${PREFIX}/${cluster}/${sync.namespace}/${sync.name}`;
}

/** The cluster and `namespace/name` of a Ferry context; null for any other context. */
export function parseStatusContext(context: string): { cluster: string; sync: string } | null {
  const m = /^ferry\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(context);
  return m ? { cluster: m[1]!, sync: `${m[2]}/${m[3]}` } : null;
}

/**
 * Gitea's (or Forgejo's) REST base from its URL: `https://gitea.example.com/` or `.../api/v1` ->
 * `https://gitea.example.com/api/v1`. The promoter (pull requests, statuses read) and the agent
 * (statuses written) must agree on it.
 */
export function giteaApiBase(apiUrl: string): string {
  const trimmed = apiUrl.replace(/\/+$/, '');
  return /\/api\/v1$/.test(trimmed) ? trimmed : `${trimmed}/api/v1`;
}
