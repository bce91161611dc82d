import { join } from 'node:path';

/** Where a proxy setting points so that any request through it fails at once (nothing listens on the discard port). */
const closedProxy = 'http://127.0.0.1:9';

/**
 * A clean environment: no user config, caches in the render's own home, and no network unless the
 * Sync allows remote resources: every HTTP(S) request goes to a closed proxy, and git (which
 * kustomize runs for remote bases) is not on the PATH and may use only local repositories. Go's
 * HTTP client does not proxy loopback addresses; those are covered by the reference check only.
 */
export function renderToolEnv(home: string, allowNetwork: boolean): Record<string, string> {
  const env: Record<string, string> = {
    HOME: home,
    HELM_CACHE_HOME: join(home, '.helm/cache'),
    HELM_CONFIG_HOME: join(home, '.helm/config'),
    HELM_DATA_HOME: join(home, '.helm/data'),
    KUBECONFIG: join(home, '.kube-none'),
    // kustomize's helm inflator writes charts and values here: inside the render's own directory.
    TMPDIR: join(home, 'tmp'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  };
  if (allowNetwork) return { ...env, PATH: '/usr/local/bin:/usr/bin:/bin' };
  return {
    ...env,
    PATH: '',
    GIT_ALLOW_PROTOCOL: 'file',
    HTTP_PROXY: closedProxy, HTTPS_PROXY: closedProxy, ALL_PROXY: closedProxy,
    http_proxy: closedProxy, https_proxy: closedProxy, all_proxy: closedProxy,
    NO_PROXY: '', no_proxy: '',
  };
}
