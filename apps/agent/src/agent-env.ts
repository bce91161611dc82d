import { renderToolNames, type RenderTools } from '@ferry/agent';
import type { GitHubAppEnv } from './github-app-config.js';
import type { ReporterEnv } from './reporter-config.js';

/** Every environment variable ferry-agent reads, read once here; the flag parser gets these values. */
export interface AgentEnv {
  kubeconfig?: string | undefined;
  /** KUBERNETES_SERVICE_HOST/_PORT, both set (client-go's rule: a pod always has both). */
  inCluster?: { host: string; port: string } | undefined;
  /** FERRY_KUBECTL, FERRY_HELM, ...: one per binary a renderer runs. */
  tools: RenderTools;
  cacheDir?: string | undefined;
  tmpDir: string;
  git: { username?: string; password?: string; bearerToken?: string };
  webhookSecret?: string | undefined;
  podName?: string | undefined;
  podNamespace?: string | undefined;
  reporter: ReporterEnv;
  githubApp: GitHubAppEnv;
}

export function readAgentEnv(env: Record<string, string | undefined>): AgentEnv {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const tools: RenderTools = {};
  for (const tool of renderToolNames) {
    const path = env[`FERRY_${tool.toUpperCase()}`];
    if (path) tools[tool] = path;
  }
  return {
    kubeconfig: env['KUBECONFIG'] || undefined,
    inCluster: host && port ? { host, port } : undefined,
    tools,
    cacheDir: env['FERRY_CACHE_DIR'],
    tmpDir: env['TMPDIR'] ?? '/tmp',
    git: {
      ...(env['FERRY_GIT_USERNAME'] ? { username: env['FERRY_GIT_USERNAME'] } : {}),
      ...(env['FERRY_GIT_PASSWORD'] ? { password: env['FERRY_GIT_PASSWORD'] } : {}),
      ...(env['FERRY_GIT_TOKEN'] ? { bearerToken: env['FERRY_GIT_TOKEN'] } : {}),
    },
    webhookSecret: env['FERRY_WEBHOOK_SECRET'] || undefined,
    podName: env['POD_NAME'],
    podNamespace: env['POD_NAMESPACE'],
    reporter: { statusToken: env['FERRY_STATUS_TOKEN'], cluster: env['FERRY_CLUSTER'], statusApiUrl: env['FERRY_STATUS_API_URL'], forge: env['FERRY_FORGE'] },
    githubApp: {
      appId: env['FERRY_GITHUB_APP_ID'] || undefined,
      installationId: env['FERRY_GITHUB_APP_INSTALLATION_ID'] || undefined,
      privateKeyFile: env['FERRY_GITHUB_APP_PRIVATE_KEY_FILE'] || undefined,
      gitHosts: env['FERRY_GITHUB_APP_GIT_HOSTS'] || undefined,
    },
  };
}
