/**
 * `ferry-agent run`: the long-running agent. Reads flags and the environment once, starts the
 * daemon, and stops it on SIGTERM/SIGINT: no new reconciles, the running ones get a grace period,
 * the leader Lease is released, then exit 0.
 */
import { defaultLeaderElection, defaultScheduleSettings, parseDuration, startAgent, type AgentConfig, type LogLevel } from '@ferry/agent';
import { FerryError } from '@ferry/manifest-model';
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../main.js';
import { REPORTER_OPTIONS, REPORTER_USAGE, buildReporter, parseReporterConfig, type ReporterConfig } from '../reporter-config.js';

export const runUsage = `Usage: ferry-agent run [options]

Watches Sync objects and keeps the cluster equal to Git: reconciles each Sync every spec.interval
(with jitter), at once when its spec changes or a webhook arrives, corrects drift, backs off after
failures. SIGTERM: finish the running reconciles (up to --shutdown-grace), release the Lease, exit 0.

Options:
  --namespace NS            watch Syncs in NS only (namespace-scoped install; default: all namespaces)
  --kubeconfig PATH         (default $KUBECONFIG, else in-cluster)   --context NAME
  --metrics-addr HOST:PORT  /metrics, /healthz, /readyz (default :8080; "off" to disable)
  --webhook-addr HOST:PORT  GitHub push webhooks at /hook/github (default :9292 when a secret is set)
  --webhook-secret-file F   file with the webhook secret ($FERRY_WEBHOOK_SECRET)
  --leader-elect BOOL       leader election on a Lease (default true)
  --lease-namespace NS      (default $POD_NAMESPACE, else --namespace, else ferry-system)
  --lease-name NAME         (default ferry-agent)
  --lease-duration DUR      (default 35s; renew deadline 30s, retry 5s scale with it)
  --identity NAME           this replica's name (default $POD_NAME, else the host name)
  --max-concurrent N        Syncs reconciled at the same time (default 4)
  --concurrency N           parallel API requests per reconcile (default 16)
  --shutdown-grace DUR      how long running reconciles may finish on SIGTERM (default 25s)
  --git-idle-timeout DUR    a git server silent this long fails the fetch (default 60s)
  --log-level LEVEL         debug | info | warn | error (default info)
  --kubectl PATH / --helm PATH, --cache-dir DIR, --max-repo-size MB   as for sync

${REPORTER_USAGE}`;

export interface RunOptions {
  /** Ends the agent (the app wires SIGTERM/SIGINT to it). */
  signal?: AbortSignal;
}

export async function runCommand(argv: string[], io: Io, options: RunOptions = {}): Promise<number> {
  let parsed: { config: AgentConfig; graceMs: number; reporter?: ReporterConfig | undefined };
  try {
    parsed = parseRunArgs(argv, io.env, (line) => io.stdout.write(line));
  } catch (error) {
    if (error instanceof FerryError && error.code === 'usage.help') {
      io.stdout.write(runUsage);
      return ExitCode.Ok;
    }
    // parseArgs throws a TypeError whose message is already the sentence users need.
    io.stderr.write(`ferry-agent run: ${error instanceof FerryError ? error.describe() : `${(error as Error).message}\n  hint: run \`ferry-agent run --help\``}\n`);
    return ExitCode.Usage;
  }
  const signal = options.signal ?? processSignal();
  let agent;
  try {
    if (parsed.reporter) parsed.config.reporter = await buildReporter(parsed.reporter, (line) => io.stderr.write(`${line}\n`));
    agent = await startAgent(parsed.config);
  } catch (error) {
    io.stderr.write(`ferry-agent run: ${error instanceof FerryError ? error.describe() : String(error)}\n`);
    return error instanceof FerryError && error.code === 'kube.config' ? ExitCode.Stalled : ExitCode.Failed;
  }
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  await agent.stop(parsed.graceMs);
  return ExitCode.Ok;
}

function processSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return controller.signal;
}

export function parseRunArgs(argv: readonly string[], env: Record<string, string | undefined>, writeLog: (line: string) => void): { config: AgentConfig; graceMs: number; reporter?: ReporterConfig | undefined } {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: {
      namespace: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' },
      'metrics-addr': { type: 'string' }, 'webhook-addr': { type: 'string' }, 'webhook-secret-file': { type: 'string' },
      'leader-elect': { type: 'string' }, 'lease-namespace': { type: 'string' }, 'lease-name': { type: 'string' }, 'lease-duration': { type: 'string' },
      identity: { type: 'string' }, 'max-concurrent': { type: 'string' }, concurrency: { type: 'string' }, 'shutdown-grace': { type: 'string' }, 'git-idle-timeout': { type: 'string' },
      'log-level': { type: 'string' }, kubectl: { type: 'string' }, helm: { type: 'string' }, 'cache-dir': { type: 'string' }, 'max-repo-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...REPORTER_OPTIONS,
    },
  });
  const fail = (message: string): never => {
    throw new FerryError('usage', message, { hint: 'run `ferry-agent run --help`' });
  };
  if (values.help) throw new FerryError('usage.help', runUsage);
  if (positionals.length) fail(`unexpected argument ${positionals[0]}`);
  const int = (name: string, text: string | undefined, fallback: number, max: number) => {
    const n = Number(text ?? fallback);
    if (!Number.isInteger(n) || n < 1 || n > max) fail(`--${name} must be an integer from 1 to ${max}`);
    return n;
  };
  const duration = (name: string, text: string | undefined, fallback: string) => {
    const value = text ?? fallback;
    if (!/^(\d+(ms|s|m|h))+$/.test(value)) fail(`--${name} must be a duration such as 30s or 2m`);
    return parseDuration(value);
  };
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
  } else if (env['FERRY_WEBHOOK_SECRET']) {
    webhookSecret = env['FERRY_WEBHOOK_SECRET'];
  }
  if (values['webhook-addr'] && !webhookSecret) fail('--webhook-addr needs a secret: --webhook-secret-file FILE or $FERRY_WEBHOOK_SECRET (unsigned webhooks are never accepted)');
  if (webhookSecret !== undefined && webhookSecret.length < 16) fail('the webhook secret must be at least 16 characters');

  const kubeconfig = values.kubeconfig ?? env['KUBECONFIG'];
  const inClusterHost = env['KUBERNETES_SERVICE_HOST'];
  const kube: AgentConfig['kube'] = kubeconfig
    ? { kubeconfigPath: kubeconfig.split(':')[0] as string, ...(values.context ? { context: values.context } : {}) }
    : inClusterHost ? { inCluster: { host: inClusterHost, port: env['KUBERNETES_SERVICE_PORT'] ?? '443' } } : fail('no --kubeconfig, no $KUBECONFIG and not in a cluster');

  const leaseMs = duration('lease-duration', values['lease-duration'], '35s');
  const identity = values.identity ?? env['POD_NAME'] ?? hostname();
  const metricsAddr = values['metrics-addr'] ?? ':8080';
  const webhookAddr = values['webhook-addr'] ?? (webhookSecret ? ':9292' : undefined);
  const kubectl = values.kubectl ?? env['FERRY_KUBECTL'];
  const helm = values.helm ?? env['FERRY_HELM'];
  const maxRepoMb = Number(values['max-repo-size'] ?? '256');
  if (!(maxRepoMb > 0)) fail('--max-repo-size must be a positive number of MB');

  const config: AgentConfig = {
    kube,
    ...(values.namespace ? { namespace: values.namespace } : {}),
    identity,
    cacheDir: values['cache-dir'] ?? env['FERRY_CACHE_DIR'] ?? join(homedir(), '.cache', 'ferry-agent'),
    tmpDir: env['TMPDIR'] ?? '/tmp',
    maxRepoBytes: Math.round(maxRepoMb * 1024 * 1024),
    gitIdleTimeoutMs: duration('git-idle-timeout', values['git-idle-timeout'], '60s'),
    tools: { ...(kubectl ? { kubectl } : {}), ...(helm ? { helm } : {}) },
    concurrency: int('concurrency', values.concurrency, 16, 256),
    maxConcurrent: int('max-concurrent', values['max-concurrent'], 4, 64),
    schedule: defaultScheduleSettings,
    ...(metricsAddr !== 'off' ? { metricsAddress: address('metrics-addr', metricsAddr) } : {}),
    ...(webhookAddr && webhookSecret ? { webhookAddress: address('webhook-addr', webhookAddr), webhookSecret } : {}),
    ...(leaderElect === 'true' ? {
      leaderElection: {
        namespace: values['lease-namespace'] ?? env['POD_NAMESPACE'] ?? values.namespace ?? 'ferry-system',
        name: values['lease-name'] ?? 'ferry-agent',
        // Flux's proportions: 35 s lease, 30 s renew deadline, 5 s retry.
        leaseDurationMs: leaseMs,
        renewDeadlineMs: Math.round((leaseMs * defaultLeaderElection.renewDeadlineMs) / defaultLeaderElection.leaseDurationMs),
        retryPeriodMs: Math.round((leaseMs * defaultLeaderElection.retryPeriodMs) / defaultLeaderElection.leaseDurationMs),
      },
    } : {}),
    logLevel: logLevel as LogLevel,
    writeLog,
  };
  return { config, graceMs: duration('shutdown-grace', values['shutdown-grace'], '25s'), reporter: parseReporterConfig(values, env) };
}
