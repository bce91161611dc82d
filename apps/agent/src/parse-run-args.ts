import { defaultLeaderElection, defaultScheduleSettings, type AgentConfig, type LogLevel } from '@ferry/agent';
import { FerryError } from '@ferry/manifest-model';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { readAgentEnv } from './agent-env.js';
import { readDuration, readInteger, readRunFlags, readSharedSettings, toolFlagsUsage, usageFailure } from './agent-flags.js';
import { GITHUB_APP_USAGE, type GitHubAppConfig } from './github-app-config.js';
import { REPORTER_USAGE, type ReporterConfig } from './reporter-config.js';
import { checkSyncSelector, defaultLeaseName } from './sync-selector.js';

export const runUsage = `Usage: ferry-agent run [options]

Watches Sync objects and keeps the cluster equal to Git: reconciles each Sync every spec.interval
(with jitter), at once when its spec changes or a webhook arrives, corrects drift, backs off after
failures. SIGTERM: finish the running reconciles (up to --shutdown-grace), release the Lease, exit 0.

Options:
  --namespace NS            watch Syncs in NS only (namespace-scoped install; default: all namespaces)
  --sync-selector SELECTOR  reconcile only the Syncs with these labels (e.g. shard=a): several agents
                            split a cluster's Syncs, each with its own Lease
  --kubeconfig PATH         (default $KUBECONFIG, else in-cluster)   --context NAME
  --metrics-addr HOST:PORT  /metrics, /healthz, /readyz (default :8080; "off" to disable)
  --webhook-addr HOST:PORT  GitHub push webhooks at /hook/github (default :9292 when a secret is set)
  --webhook-secret-file F   file with the webhook secret ($FERRY_WEBHOOK_SECRET)
  --leader-elect BOOL       leader election on a Lease (default true)
  --lease-namespace NS      (default $POD_NAMESPACE, else --namespace, else ferry-system)
  --lease-name NAME         (default ferry-agent; with --sync-selector ferry-agent-<hash of it>)
  --lease-duration DUR      (default 35s; renew deadline 30s, retry 5s scale with it)
  --identity NAME           this replica's name (default $POD_NAME, else the host name)
  --max-concurrent N        Syncs reconciled at the same time (default 4)
  --concurrency N           parallel API requests per reconcile (default 16)
  --shutdown-grace DUR      how long running reconciles may finish on SIGTERM (default 25s)
  --git-idle-timeout DUR    a git server silent this long fails the fetch (default 60s)
  --log-level LEVEL         debug | info | warn | error (default info)
  --default-service-account NAME
                            Syncs without spec.serviceAccountName act as ServiceAccount NAME of their
                            namespace (impersonation), not as the agent (default: the agent itself)
  ${toolFlagsUsage}, --cache-dir DIR, --max-repo-size MB   as for sync

${REPORTER_USAGE}
${GITHUB_APP_USAGE}`;

export interface RunArgs {
  config: AgentConfig;
  graceMs: number;
  reporter?: ReporterConfig | undefined;
  githubApp?: GitHubAppConfig | undefined;
}

/** `ferry-agent run` flags (argv after `run`) and the environment, read once. */
export function parseRunArgs(argv: readonly string[], rawEnv: Record<string, string | undefined>, writeLog: (line: string) => void): RunArgs {
  const { values, positionals } = readRunFlags(argv);
  const env = readAgentEnv(rawEnv);
  const fail = usageFailure('ferry-agent run --help');
  if (values.help) throw new FerryError('usage.help', runUsage);
  if (positionals.length) fail(`unexpected argument ${positionals[0]}`);
  const address = (name: string, text: string): { host: string; port: number } => {
    const match = /^(.*):(\d+)$/.exec(text);
    if (!match || Number(match[2]) > 65535) return fail(`--${name} must be HOST:PORT or :PORT, got ${text}`);
    return { host: match[1] ? match[1].replace(/^\[|\]$/g, '') : '0.0.0.0', port: Number(match[2]) };
  };
  const logLevel = values['log-level'] ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) fail('--log-level must be debug, info, warn or error');
  const leaderElect = values['leader-elect'] ?? 'true';
  if (leaderElect !== 'true' && leaderElect !== 'false') fail('--leader-elect must be true or false');

  let webhookSecret: string | undefined;
  if (values['webhook-secret-file']) {
    try {
      webhookSecret = readFileSync(values['webhook-secret-file'], 'utf8').trim();
    } catch (error) {
      fail(`cannot read --webhook-secret-file ${values['webhook-secret-file']}: ${(error as Error).message}`);
    }
  } else {
    webhookSecret = env.webhookSecret;
  }
  if (values['webhook-addr'] && !webhookSecret) fail('--webhook-addr needs a secret: --webhook-secret-file FILE or $FERRY_WEBHOOK_SECRET (unsigned webhooks are never accepted)');
  if (webhookSecret !== undefined && webhookSecret.length < 16) fail('the webhook secret must be at least 16 characters');

  const shared = readSharedSettings(values, env, fail);
  // The daemon cannot start without a cluster: refused here, unlike sync/diff which report it on connecting.
  const access = shared.access ?? fail('no --kubeconfig, no $KUBECONFIG and not in a cluster');
  const kube: AgentConfig['kube'] = 'kubeconfigPath' in access ? { ...access, ...(shared.context ? { context: shared.context } : {}) } : access;

  const syncSelector = values['sync-selector'];
  const selectorProblem = syncSelector !== undefined ? checkSyncSelector(syncSelector) : undefined;
  if (selectorProblem) fail(`--sync-selector ${selectorProblem}`);
  const leaseMs = readDuration('lease-duration', values['lease-duration'] ?? '35s', fail);
  const metricsAddr = values['metrics-addr'] ?? ':8080';
  const webhookAddr = values['webhook-addr'] ?? (webhookSecret ? ':9292' : undefined);
  const config: AgentConfig = {
    kube,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(syncSelector ? { syncSelector } : {}),
    identity: values.identity ?? env.podName ?? hostname(),
    cacheDir: shared.cacheDir,
    tmpDir: shared.tmpDir,
    maxRepoBytes: shared.maxRepoBytes,
    gitIdleTimeoutMs: readDuration('git-idle-timeout', values['git-idle-timeout'] ?? '60s', fail),
    tools: shared.tools,
    concurrency: shared.concurrency,
    maxConcurrent: readInteger('max-concurrent', values['max-concurrent'], 4, 64, fail),
    schedule: defaultScheduleSettings,
    ...(metricsAddr !== 'off' ? { metricsAddress: address('metrics-addr', metricsAddr) } : {}),
    ...(webhookAddr && webhookSecret ? { webhookAddress: address('webhook-addr', webhookAddr), webhookSecret } : {}),
    ...(leaderElect === 'true' ? {
      leaderElection: {
        namespace: values['lease-namespace'] ?? env.podNamespace ?? values.namespace ?? 'ferry-system',
        name: values['lease-name'] ?? defaultLeaseName(syncSelector),
        // Flux's proportions: 35 s lease, 30 s renew deadline, 5 s retry.
        leaseDurationMs: leaseMs,
        renewDeadlineMs: Math.round((leaseMs * defaultLeaderElection.renewDeadlineMs) / defaultLeaderElection.leaseDurationMs),
        retryPeriodMs: Math.round((leaseMs * defaultLeaderElection.retryPeriodMs) / defaultLeaderElection.leaseDurationMs),
      },
    } : {}),
    logLevel: logLevel as LogLevel,
    writeLog,
    ...(shared.defaultServiceAccount ? { defaultServiceAccount: shared.defaultServiceAccount } : {}),
  };
  return { config, graceMs: readDuration('shutdown-grace', values['shutdown-grace'] ?? '25s', fail), reporter: shared.reporter, githubApp: shared.githubApp };
}
