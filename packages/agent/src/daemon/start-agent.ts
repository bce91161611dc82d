/**
 * Wires the daemon from plain configuration (read once by the app): clients, git cache, metrics,
 * JSON logs, the probe/metrics server and the webhook server. Returns a handle to stop it.
 */
import { join } from 'node:path';
import { IsomorphicGitSource } from '../adapters/git-source.js';
import { withAgentGitCredentials, type AgentGitCredentialsOptions } from '../credentials/app-git-credentials.js';
import { KubeClient, type KubeClientOptions } from '../adapters/kube-client.js';
import { renderSource } from '../adapters/renderers/render-source.js';
import { createJsonLogger, type LogLevel } from '../observability/logger.js';
import { AgentMetrics } from '../observability/metrics.js';
import { serveHttp, type HttpEndpoint, type Route } from '../observability/serve-http.js';
import { timeGitSource } from '../observability/timed-git-source.js';
import type { KubeApi, KubeWatchApi, RenderTools, SyncReport, SyncReporter } from '../ports.js';
import { handleGiteaWebhook } from '../webhook/gitea-webhook.js';
import { handleGitHubWebhook, ReplayGuard } from '../webhook/github-webhook.js';
import { SharedReplayGuard } from '../webhook/shared-replay-guard.js';
import { createCommitVerifier } from '../signatures/commit-verifier.js';
import type { LeaderElectionOptions } from './leader-election.js';
import type { ScheduleSettings } from './schedule.js';
import { SyncDaemon, type ShutdownResult } from './sync-daemon.js';

export interface AgentConfig {
  kube: Pick<KubeClientOptions, 'kubeconfigPath' | 'context' | 'inCluster'>;
  /** Watch Syncs in this namespace only; all namespaces when unset. */
  namespace?: string;
  /** Reconcile only the Syncs this label selector selects (`--sync-selector`: one shard of several agents). */
  syncSelector?: string | undefined;
  identity: string;
  cacheDir: string;
  tmpDir: string;
  maxRepoBytes?: number;
  /** Give up on a git server that sends nothing for this long (default 60 s); the Sync reports FetchFailed. */
  gitIdleTimeoutMs?: number;
  tools: RenderTools;
  concurrency: number;
  maxConcurrent: number;
  healthTimeoutMs?: number;
  schedule?: ScheduleSettings;
  /** Probes (/healthz, /readyz) and /metrics. */
  metricsAddress?: { host: string; port: number };
  /** GitHub webhooks at /hook/github and Gitea/Forgejo webhooks at /hook/gitea; needs `webhookSecret`. */
  webhookAddress?: { host: string; port: number };
  webhookSecret?: string;
  leaderElection?: Omit<LeaderElectionOptions, 'identity'>;
  logLevel?: LogLevel;
  writeLog: (line: string) => void;
  events?: boolean;
  /** Commit statuses per Sync on the revisions applied (reporting/); optional. */
  reporter?: SyncReporter | undefined;
  /** ServiceAccount for Syncs that name none (`--default-service-account`); unset: the agent's own identity. */
  defaultServiceAccount?: string | undefined;
  /** The agent's GitHub App token for Syncs without spec.secretRef on these git hosts (`--github-app-*`). */
  gitCredentials?: AgentGitCredentialsOptions | undefined;
}

export interface RunningAgent {
  daemon: SyncDaemon;
  metrics: AgentMetrics;
  metricsUrl?: string;
  webhookUrl?: string;
  /** Graceful stop; see SyncDaemon.shutdown. */
  stop(graceMs: number): Promise<ShutdownResult>;
}

export interface AgentOverrides {
  /** Replaces the Kubernetes client used for reconciles (tests interpose on the real one). */
  kube?: (real: KubeClient) => KubeApi;
  /** Replaces the client used for the watch and the leader Lease. */
  watchKube?: (real: KubeClient) => KubeWatchApi;
  onReport?: (report: SyncReport, drifted: readonly string[]) => void;
}

export async function startAgent(config: AgentConfig, overrides: AgentOverrides = {}): Promise<RunningAgent> {
  const log = createJsonLogger(config.writeLog, { level: config.logLevel ?? 'info', bound: { component: 'ferry-agent', replica: config.identity } });
  const metrics = new AgentMetrics();
  const kubeClient = await KubeClient.create({ ...config.kube, maxSockets: config.concurrency });
  const kube = overrides.kube ? overrides.kube(kubeClient) : kubeClient;
  // The watch and the Lease get a client of their own (4 sockets): a busy reconcile pool never
  // delays a Lease renewal.
  const watchClient = await KubeClient.create({ ...config.kube, maxSockets: 4 });
  const watchKube = overrides.watchKube ? overrides.watchKube(watchClient) : watchClient;
  const git = new IsomorphicGitSource({ cacheDir: config.cacheDir, ...(config.maxRepoBytes ? { maxRepoBytes: config.maxRepoBytes } : {}), ...(config.gitIdleTimeoutMs ? { idleTimeoutMs: config.gitIdleTimeoutMs } : {}) });
  const source = timeGitSource(config.gitCredentials ? withAgentGitCredentials(git, config.gitCredentials) : git, metrics);
  const daemon = new SyncDaemon(
    {
      kube, watchKube, log, metrics,
      verifyCommit: createCommitVerifier(kube, source, { tmpDir: config.tmpDir }),
      reconcile: { kube, source, renderer: { render: renderSource }, tools: { chartCacheDir: join(config.cacheDir, 'charts'), ...config.tools }, tmpDir: config.tmpDir, ...(config.reporter ? { reporter: config.reporter } : {}) },
      ...(overrides.onReport ? { onReport: overrides.onReport } : {}),
    },
    {
      ...(config.namespace ? { namespace: config.namespace } : {}),
      ...(config.syncSelector ? { syncSelector: config.syncSelector } : {}),
      maxConcurrent: config.maxConcurrent,
      concurrency: config.concurrency,
      ...(config.healthTimeoutMs !== undefined ? { healthTimeoutMs: config.healthTimeoutMs } : {}),
      ...(config.schedule ? { schedule: config.schedule } : {}),
      identity: config.identity,
      ...(config.leaderElection ? { leaderElection: config.leaderElection } : {}),
      events: config.events ?? true,
      ...(config.defaultServiceAccount ? { defaultServiceAccount: config.defaultServiceAccount } : {}),
    },
  );
  const servers: HttpEndpoint[] = [];
  let metricsUrl: string | undefined;
  let webhookUrl: string | undefined;
  try {
    if (config.metricsAddress) {
      const server = await serveHttp(config.metricsAddress, {
        '/metrics': async () => ({ status: 200, body: metrics.expose(), contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
        '/healthz': async () => ({ status: 200, body: 'ok\n' }),
        '/readyz': async () => (daemon.ready ? { status: 200, body: 'ready\n' } : { status: 503, body: 'Sync objects not listed yet\n' }),
      });
      servers.push(server);
      metricsUrl = server.url;
    }
    if (config.webhookAddress && config.webhookSecret) {
      // Across replicas when the agent has a namespace of its own (its leader Lease's, else the one
      // it watches): a Lease per delivery, created if absent. Otherwise per process.
      const replayNamespace = config.leaderElection?.namespace ?? config.namespace;
      const replay = replayNamespace
        ? new SharedReplayGuard({
          kube: watchKube, namespace: replayNamespace, identity: config.identity,
          onFallback: (error) => log.warn('webhook replay record not written or swept; this replica\'s memory answered', { error: error instanceof Error ? error.message : String(error) }),
        })
        : new ReplayGuard();
      const deps = {
        secret: config.webhookSecret, replay,
        findSyncs: (matches: Parameters<typeof daemon.findSyncs>[0]) => daemon.findSyncs(matches),
        requestReconcile: (sync: { namespace: string; name: string }, token: string) => daemon.requestReconcile(sync, token),
      };
      // Both forges at once (one secret, one replay guard): /hook/github and /hook/gitea.
      const route = (forge: 'github' | 'gitea', handle: typeof handleGitHubWebhook): Route => async (req, body) => {
        if (req.method !== 'POST') return { status: 405, body: 'POST only\n' };
        const result = await handle(req.headers, body, deps);
        metrics.webhooks.inc({ result: result.outcome });
        const level = result.outcome === 'accepted' || result.outcome === 'ignored' ? 'info' : 'warn';
        log.log(level, `webhook ${result.outcome}`, { forge, status: result.status, delivery: req.headers[`x-${forge}-delivery`] ?? null, answer: result.body.trim() });
        return result;
      };
      const server = await serveHttp(config.webhookAddress, {
        '/hook/github': route('github', handleGitHubWebhook),
        '/hook/gitea': route('gitea', handleGiteaWebhook),
      });
      servers.push(server);
      webhookUrl = server.url;
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    kubeClient.close();
    watchClient.close();
    throw error;
  }
  daemon.start();
  log.info('agent started', { namespace: config.namespace ?? '(all)', syncSelector: config.syncSelector ?? null, lease: config.leaderElection ? `${config.leaderElection.namespace}/${config.leaderElection.name}` : null, metrics: metricsUrl ?? null, webhook: webhookUrl ?? null });
  return {
    daemon, metrics,
    ...(metricsUrl ? { metricsUrl } : {}),
    ...(webhookUrl ? { webhookUrl } : {}),
    async stop(graceMs: number) {
      log.info('shutting down', { graceMs });
      const result = await daemon.shutdown(graceMs);
      await Promise.all(servers.map((s) => s.close()));
      kubeClient.close();
      watchClient.close();
      log.info('stopped', { abandoned: result.abandoned });
      return result;
    },
  };
}
