import { UnrecordedSourceId, defaultFlagName, parseSyncSpec, registryConfigFor, renderModes, type RenderTools } from '@ferry/agent';
import { readFileSync } from 'node:fs';
import { FerryError } from '@ferry/manifest-model';
import { readAgentEnv } from './agent-env.js';
import { readDuration, readReconcileFlags, readSharedSettings, toolEnvUsage, toolFlagsUsage, usageFailure, type Fail } from './agent-flags.js';
import { GITHUB_APP_USAGE, type GitHubAppConfig } from './github-app-config.js';
import { REPORTER_USAGE, type ReporterConfig } from './reporter-config.js';

export interface AgentArgs {
  command: 'sync' | 'diff';
  json: boolean;
  force: boolean;
  kubeconfig?: string;
  context?: string;
  /** In-cluster API server address, from KUBERNETES_SERVICE_HOST/_PORT (cluster-access.ts). */
  inCluster?: { host: string; port: string };
  /** Binaries the renderers run (`--kubectl`, `--helm`, ...). */
  tools: RenderTools;
  cacheDir: string;
  tmpDir: string;
  concurrency: number;
  healthTimeoutMs?: number;
  maxRepoBytes: number;
  /** Commit status reporting, when a status token is configured. */
  reporter?: ReporterConfig;
  /** `--github-app-*`: installation tokens for fetches (and statuses, with sync). */
  githubApp?: GitHubAppConfig;
  /** Sync objects without spec.serviceAccountName act as this ServiceAccount of their namespace. */
  defaultServiceAccount?: string;
  /** Sync objects to reconcile. */
  selection?: { name?: string; namespace?: string };
  /** A single source given by flags (no Sync object). */
  source?: {
    name: string;
    stateNamespace: string;
    /** `--adopt-inventory ID`: take over the inventory recorded for the source with this id. */
    adoptInventory?: string;
    spec: Record<string, unknown>;
    /** `--helm-registry-config FILE`, cut to the oci:// chart's registry host. */
    registryConfig?: string;
    username?: string;
    password?: string;
    bearerToken?: string;
  };
}

export const usage = `Usage:
  ferry-agent sync --once (--sync [NAMESPACE/]NAME | --all [--sync-namespace NS] | --url URL [source flags]) [options]
  ferry-agent diff        (same selection)                                                          [options]
  ferry-agent run [options]   the long-running agent: watch Syncs, drift, leader election, webhooks (run --help)

Selection:
  --sync [NS/]NAME        one Sync object (namespace from --sync-namespace, default "default")
  --all                   every Sync (in --sync-namespace, or in all namespaces)
  --url URL               a single source given by flags, no Sync object needed:
    --ref REF             branch (default main), tag:NAME, or a 40-hex commit
    --path DIR            directory in the repository (default: root)
    --namespace NS        namespace for objects that name none (default: --state-namespace)
    --render MODE         ${renderModes.join(' | ')} (default auto)
    --helm-chart DIR      chart directory (helm); --values FILE (repeatable) values files in the repo
    --helm-chart oci://HOST/REPO --helm-version V [--helm-digest sha256:HEX]
                          a chart from an OCI registry (spec.helm.chart/version/digest): pulled with
                          helm, cached by digest, refused when the digest differs from the pin
    --helm-registry-config FILE
                          registry credentials for it: a Docker config.json (the chart host's entry
                          only is used; like spec.helm.secretRef)
    --name NAME           the source's name in owner labels and its inventory ConfigMap
                          ferry-flags-inventory-NAME (default cli-<hash of url, path, --namespace>)
    --state-namespace NS  where the inventory ConfigMap lives (default "default"; must exist)
    --adopt-inventory ID  take over an inventory written for another source, on purpose (the
                          refusal prints the ID); its objects the new source lacks are pruned
    --no-prune            never delete objects removed from the source
    --allow-empty         allow a render with no objects (prunes everything)
    --allow-delete-all-namespaces
    --timeout DURATION    health wait (default 2m)
    git credentials from the environment: FERRY_GIT_USERNAME / FERRY_GIT_PASSWORD or FERRY_GIT_TOKEN

Options:
  --once                  one reconcile, then exit (required for sync; the long-running agent is \`run\`)
  --kubeconfig PATH       (default $KUBECONFIG, else in-cluster)   --context NAME
  --json                  machine-readable report on stdout
  --force                 render and dry-run even when the remote head is unchanged (drift check)
  --concurrency N         parallel API requests (default 16)
  --health-timeout DUR    override the Sync's spec.timeout
  --default-service-account NAME
                          Sync objects without spec.serviceAccountName act as ServiceAccount NAME of
                          their namespace (impersonation); --url sources run as the caller
  ${toolFlagsUsage}   binaries the renderers run (${toolEnvUsage})
  --cache-dir DIR         git object cache (default ~/.cache/ferry-agent)
  --max-repo-size MB      refuse bigger repositories (default 256)

${REPORTER_USAGE}
${GITHUB_APP_USAGE}
Exit codes: 0 ok, 1 diff found changes, 2 usage, 3 stalled, 4 unhealthy, 5 transient failure, 70 internal.
`;

/** Parses argv and the environment once; everything below gets plain values. */
export function parseAgentArgs(argv: readonly string[], rawEnv: Record<string, string | undefined>): AgentArgs {
  const { values, positionals } = readReconcileFlags(argv);
  const env = readAgentEnv(rawEnv);
  const fail = usageFailure('ferry-agent --help');
  if (values.help) throw new FerryError('usage.help', usage);
  const command = positionals[0];
  if (command !== 'sync' && command !== 'diff') return fail(`unknown command ${command ?? '(none)'}: expected sync or diff`);
  if (positionals.length > 1) fail(`unexpected argument ${positionals[1]}`);
  if (command === 'sync' && !values.once) fail('sync needs --once (the long-running agent is `ferry-agent run`)');
  const chosen = [values.sync !== undefined, values.all === true, values.url !== undefined].filter(Boolean).length;
  if (chosen !== 1) fail('choose exactly one of --sync NAME, --all or --url URL');
  const shared = readSharedSettings(values, env, fail);
  const healthTimeout = values['health-timeout'];
  const healthTimeoutMs = healthTimeout !== undefined ? readDuration('health-timeout', healthTimeout, fail) : undefined;

  const args: AgentArgs = {
    command,
    json: values.json ?? false,
    force: values.force ?? false,
    cacheDir: shared.cacheDir,
    tmpDir: shared.tmpDir,
    concurrency: shared.concurrency,
    maxRepoBytes: shared.maxRepoBytes,
    tools: shared.tools,
  };
  // No cluster access is not refused here: `sync` and `diff` report it when they connect (kube.config, exit 3).
  if (shared.access && 'kubeconfigPath' in shared.access) args.kubeconfig = shared.access.kubeconfigPath;
  else if (shared.access) args.inCluster = shared.access.inCluster;
  if (shared.context) args.context = shared.context;
  if (healthTimeoutMs !== undefined) args.healthTimeoutMs = healthTimeoutMs;
  if (shared.reporter && command === 'sync') args.reporter = shared.reporter;
  if (shared.githubApp) args.githubApp = shared.githubApp;
  if (shared.defaultServiceAccount) args.defaultServiceAccount = shared.defaultServiceAccount;

  if (values.url === undefined) {
    const flagOnly = (['name', 'state-namespace', 'adopt-inventory', 'helm-registry-config'] as const).find((flag) => values[flag] !== undefined);
    if (flagOnly) fail(`--${flagOnly} applies to a source given by flags (--url) only; a Sync object's inventory is named after the Sync`);
  }
  if (values.sync !== undefined) {
    const parts = values.sync.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) fail(`--sync ${values.sync}: expected NAME or NAMESPACE/NAME`);
    const [ns, name] = parts.length === 2 ? parts : [values['sync-namespace'] ?? 'default', values.sync];
    args.selection = { name: name as string, namespace: ns as string };
  } else if (values.all) {
    args.selection = values['sync-namespace'] ? { namespace: values['sync-namespace'] } : {};
  } else {
    const stateNamespace = values['state-namespace'] ?? 'default';
    if (!isDnsLabel(stateNamespace)) fail(`--state-namespace ${JSON.stringify(stateNamespace)}: not a namespace name (${dnsLabelRule})`);
    const name = values.name ?? defaultFlagName(values.url ?? '', values.path ?? '', values.namespace);
    if (values.name !== undefined && !isSourceName(values.name)) {
      fail(`--name ${JSON.stringify(values.name)}: not a valid name (${sourceNameRule}); it names the owner labels and the inventory ConfigMap ferry-flags-inventory-NAME`);
    }
    const adopt = values['adopt-inventory'];
    if (adopt !== undefined && adopt !== UnrecordedSourceId && !/^[0-9a-f]{12}$/.test(adopt)) {
      fail(`--adopt-inventory ${JSON.stringify(adopt)}: expected the 12-hex source id (or "${UnrecordedSourceId}") that a refusal to take over an inventory printed`);
    }
    const spec: Record<string, unknown> = {
      url: values.url,
      ref: parseRef(values.ref ?? 'main'),
      path: values.path ?? '',
      render: values.render ?? 'auto',
      prune: !values['no-prune'],
      allowEmpty: values['allow-empty'] ?? false,
      allowDeleteAllNamespaces: values['allow-delete-all-namespaces'] ?? false,
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(values.timeout ? { timeout: values.timeout } : {}),
      ...(values['helm-chart'] || values.values || values['helm-version'] || values['helm-digest'] ? {
        helm: {
          ...(values['helm-chart'] ? { chart: values['helm-chart'] } : {}),
          ...(values['helm-version'] ? { version: values['helm-version'] } : {}),
          ...(values['helm-digest'] ? { digest: values['helm-digest'] } : {}),
          valuesFiles: values.values ?? [],
        },
      } : {}),
    };
    checkSourceFlags(spec, fail);
    const registryConfig = readRegistryConfigFlag(values['helm-registry-config'], values['helm-chart'], fail);
    args.source = { name, stateNamespace, ...(adopt !== undefined ? { adoptInventory: adopt } : {}), spec, ...(registryConfig !== undefined ? { registryConfig } : {}), ...env.git };
  }
  return args;
}

/** The registry config file, read once here and cut to the chart's host (errors exit 2, naming the file, never its content). */
function readRegistryConfigFlag(file: string | undefined, chart: string | undefined, fail: Fail): string | undefined {
  if (file === undefined) return undefined;
  if (!chart?.startsWith('oci://')) fail('--helm-registry-config is for an oci:// chart (--helm-chart oci://HOST/REPO)');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot read --helm-registry-config ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return registryConfigFor(text, chart, `--helm-registry-config ${file}`, 'write a Docker config.json with an "auths" entry for the registry');
  } catch (error) {
    return fail((error as Error).message);
  }
}

/** The Sync field each source flag fills, for messages. */
const flagOfField: Array<[RegExp, string]> = [
  [/^spec\.url/, '--url'], [/^spec\.ref/, '--ref'], [/^spec\.path/, '--path'], [/^spec\.namespace/, '--namespace'],
  [/^spec\.render/, '--render'], [/^spec\.helm\.chart/, '--helm-chart'], [/^spec\.helm\.version/, '--helm-version'], [/^spec\.helm\.digest/, '--helm-digest'],
  [/^spec\.helm\.valuesFiles/, '--values'], [/^spec\.timeout/, '--timeout'],
];

/**
 * The source flags become a Sync spec, and some of its fields helm/kustomize arguments (issue 17):
 * the same schema as a Sync object, refused here as bad flags (exit 2) naming the flag.
 */
function checkSourceFlags(spec: Record<string, unknown>, fail: Fail): void {
  try {
    parseSyncSpec(spec, 'flags');
  } catch (error) {
    if (!(error instanceof FerryError)) throw error;
    const detail = error.message.replace(/^flags: /, '');
    const field = /^(spec[\w.]*)/.exec(detail)?.[1] ?? '';
    const flag = flagOfField.find(([pattern]) => pattern.test(field))?.[1];
    fail(flag ? `${flag}: ${detail.slice(field.length).replace(/^:\s*/, '')} (${field})` : detail);
  }
}

const dnsLabelRule = 'lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';
const sourceNameRule = 'lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 63 characters';

/** A namespace name (RFC 1123 label). */
function isDnsLabel(text: string): boolean {
  return text.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text);
}

/** A flag-mode name: a label value (at most 63) that also makes a valid ConfigMap name (RFC 1123 subdomain). */
function isSourceName(text: string): boolean {
  return text.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text);
}

function parseRef(ref: string): Record<string, string> {
  if (/^[0-9a-f]{40}$/.test(ref)) return { commit: ref };
  if (ref.startsWith('tag:')) return { tag: ref.slice(4) };
  if (ref.startsWith('refs/tags/')) return { tag: ref.slice('refs/tags/'.length) };
  return { branch: ref.replace(/^refs\/heads\//, '') };
}
