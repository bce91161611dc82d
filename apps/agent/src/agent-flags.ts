/**
 * The flags of every ferry-agent command in one table, read with one parseArgs call, and the
 * settings `sync`, `diff` and `run` share (cluster access, render tools, cache, concurrency,
 * commit statuses, durations), each read by one function here.
 */
import { renderToolNames, type RenderToolName, type RenderTools } from '@ferry/agent';
import { FerryError, isDuration, parseDuration } from '@ferry/manifest-model';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AgentEnv } from './agent-env.js';
import { resolveClusterAccess, type ClusterAccess } from './cluster-access.js';
import { GITHUB_APP_OPTIONS, parseGitHubAppConfig, type GitHubAppConfig } from './github-app-config.js';
import { REPORTER_OPTIONS, parseReporterConfig, type ReporterConfig } from './reporter-config.js';

const string = { type: 'string' } as const;
const boolean = { type: 'boolean' } as const;

/** `--kubectl PATH`, `--helm PATH`, ...: one per binary a renderer runs (the renderer catalogue). */
const TOOL_OPTIONS = Object.fromEntries(renderToolNames.map((tool) => [tool, string])) as Record<RenderToolName, typeof string>;

/** Flags every command takes (`--namespace` means the source's namespace for sync/diff, the watched one for run). */
const SHARED_OPTIONS = {
  kubeconfig: string, context: string, namespace: string, concurrency: string, 'cache-dir': string, 'max-repo-size': string,
  'default-service-account': string,
  help: { type: 'boolean', short: 'h' }, ...TOOL_OPTIONS, ...REPORTER_OPTIONS, ...GITHUB_APP_OPTIONS,
} as const;

const RECONCILE_OPTIONS = {
  ...SHARED_OPTIONS,
  once: boolean, all: boolean, json: boolean, force: boolean, sync: string, 'sync-namespace': string,
  url: string, ref: string, path: string, render: string, 'helm-chart': string, 'helm-version': string, 'helm-digest': string, 'helm-registry-config': string,
  values: { type: 'string', multiple: true },
  name: string, 'state-namespace': string, 'adopt-inventory': string, 'no-prune': boolean,
  'allow-empty': boolean, 'allow-delete-all-namespaces': boolean, timeout: string, 'health-timeout': string,
} as const;

const RUN_OPTIONS = {
  ...SHARED_OPTIONS,
  'metrics-addr': string, 'webhook-addr': string, 'webhook-secret-file': string, 'leader-elect': string,
  'lease-namespace': string, 'lease-name': string, 'lease-duration': string, identity: string, 'max-concurrent': string,
  'shutdown-grace': string, 'git-idle-timeout': string, 'log-level': string, 'sync-selector': string,
} as const;

/** `sync`/`diff` flags (the command is the first positional). */
export function readReconcileFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: RECONCILE_OPTIONS });
}

/** `run` flags (argv after `run`). */
export function readRunFlags(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: RUN_OPTIONS });
}

type SharedValues = { [K in keyof typeof SHARED_OPTIONS]?: (typeof SHARED_OPTIONS)[K] extends { type: 'boolean' } ? boolean : string };

/** A usage error (exit 2) whose hint names the command's help. */
export type Fail = (message: string) => never;

export function usageFailure(help: string): Fail {
  return (message) => {
    throw new FerryError('usage', message, { hint: `run \`${help}\`` });
  };
}

export interface SharedSettings {
  /** Undefined when there is no kubeconfig and no in-cluster environment. */
  access: ClusterAccess | undefined;
  context?: string;
  tools: RenderTools;
  cacheDir: string;
  tmpDir: string;
  maxRepoBytes: number;
  concurrency: number;
  reporter: ReporterConfig | undefined;
  /** `--github-app-*`: the agent's fetches (Syncs without spec.secretRef on its git hosts) and statuses. */
  githubApp: GitHubAppConfig | undefined;
  /** `--default-service-account NAME`: Sync objects without spec.serviceAccountName run as NAME in their namespace. */
  defaultServiceAccount?: string;
}

/** What sync, diff and run read the same way, with the same messages. */
export function readSharedSettings(values: SharedValues, env: AgentEnv, fail: Fail): SharedSettings {
  const concurrency = readInteger('concurrency', values.concurrency, 16, 256, fail);
  const maxRepoMb = Number(values['max-repo-size'] ?? '256');
  if (!(maxRepoMb > 0)) fail('--max-repo-size must be a positive number of MB');
  const tools: RenderTools = {};
  for (const tool of renderToolNames) {
    const path = values[tool] ?? env.tools[tool];
    if (path) tools[tool] = path;
  }
  return {
    access: resolveClusterAccess(values.kubeconfig, env),
    ...(values.context ? { context: values.context } : {}),
    tools,
    cacheDir: values['cache-dir'] ?? env.cacheDir ?? join(homedir(), '.cache', 'ferry-agent'),
    tmpDir: env.tmpDir,
    maxRepoBytes: Math.round(maxRepoMb * 1024 * 1024),
    concurrency,
    ...readCredentialSettings(values, env),
    ...(values['default-service-account'] !== undefined ? { defaultServiceAccount: readServiceAccountName(values['default-service-account'], fail) } : {}),
  };
}

function readCredentialSettings(values: SharedValues, env: AgentEnv): Pick<SharedSettings, 'reporter' | 'githubApp'> {
  const githubApp = parseGitHubAppConfig(values, env.githubApp, values['status-api-url'] ?? env.reporter.statusApiUrl);
  return { reporter: parseReporterConfig(values, env.reporter, githubApp !== undefined), githubApp };
}

/** A ServiceAccount name (DNS-1123 subdomain), as spec.serviceAccountName takes. */
function readServiceAccountName(text: string, fail: Fail): string {
  if (text.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text)) {
    fail(`--default-service-account ${JSON.stringify(text)}: not a ServiceAccount name (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)`);
  }
  return text;
}

export function readInteger(name: string, text: string | undefined, fallback: number, max: number, fail: Fail): number {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) fail(`--${name} must be an integer from 1 to ${max}`);
  return n;
}

/** A duration flag (manifest-model's rule: 30s, 2m, 1h30m) in milliseconds. */
export function readDuration(name: string, text: string, fail: Fail): number {
  if (!isDuration(text)) fail(`--${name} must be a duration such as 30s or 2m`);
  return parseDuration(text);
}

/** The usage line of the render tool flags: `--kubectl PATH / --helm PATH`. */
export const toolFlagsUsage = renderToolNames.map((tool) => `--${tool} PATH`).join(' / ');
/** `$FERRY_KUBECTL, $FERRY_HELM`. */
export const toolEnvUsage = renderToolNames.map((tool) => `$FERRY_${tool.toUpperCase()}`).join(', ');
