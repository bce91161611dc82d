import { CommitStatusReporter, createGiteaStatusPort, createGitHubStatusPort, tokenFromFile, type SyncReporter, type TokenSource } from '@ferry/agent';
import { checkClusterName } from '@ferry/manifest-model';
import { FerryError } from '@ferry/manifest-model';

/** Flags of commit status reporting, merged into the agent's parseArgs options. */
export const REPORTER_OPTIONS = {
  cluster: { type: 'string' },
  forge: { type: 'string' },
  'status-api-url': { type: 'string' },
  'status-token-file': { type: 'string' },
  'status-target-url': { type: 'string' },
} as const;

export const REPORTER_USAGE = `Commit statuses (optional: CI's \`ferry promote --wait-live\` and \`ferry status\` read them):
  --cluster NAME          this cluster's name in the status context ferry/NAME/NAMESPACE/SYNC ($FERRY_CLUSTER)
  --status-token-file F   file holding a token with "Commit statuses: write" only, read again for
                          every status (a rotated Secret is used without a restart) ($FERRY_STATUS_TOKEN)
  --forge github|gitea    where statuses go: GitHub (default) or Gitea/Forgejo ($FERRY_FORGE)
  --status-api-url URL    GitHub API (default https://api.github.com; Enterprise: https://HOST/api/v3);
                          with --forge gitea: Gitea's base URL, required (https://gitea.example.com)
  --status-target-url URL link shown with each status (a dashboard)
`;

export interface ReporterConfig {
  cluster: string;
  apiUrl: string;
  /** Absent: GitHub. */
  forge?: 'gitea';
  /** `app`: the agent's GitHub App installation token (--github-app-*). */
  token: { value: string } | { file: string } | { app: true };
  targetUrl?: string;
}

type Values = { [K in keyof typeof REPORTER_OPTIONS]?: string | undefined };

/** FERRY_STATUS_TOKEN, FERRY_CLUSTER, FERRY_STATUS_API_URL (read in agent-env.ts). */
export interface ReporterEnv {
  statusToken?: string | undefined;
  cluster?: string | undefined;
  statusApiUrl?: string | undefined;
  forge?: string | undefined;
}

/**
 * Reporting is on when a token is given; then the cluster name is required. Returns undefined
 * when off. The token stays out of argv (visible in `ps`): it comes from a file or the environment.
 */
export function parseReporterConfig(values: Values, env: ReporterEnv, githubApp = false): ReporterConfig | undefined {
  const tokenFile = values['status-token-file'];
  const tokenEnv = env.statusToken;
  const cluster = values.cluster ?? env.cluster;
  const forge = values.forge ?? env.forge ?? 'github';
  if (forge !== 'github' && forge !== 'gitea') throw usage(`--forge must be github or gitea, not "${forge}"`);
  if (githubApp && forge !== 'github') throw usage('--github-app-* is for GitHub: not with --forge gitea');
  if (githubApp && (tokenFile || tokenEnv)) throw usage('choose one of a GitHub App (--github-app-*) and a status token (--status-token-file, $FERRY_STATUS_TOKEN)');
  if (!tokenFile && !tokenEnv && !githubApp) {
    if (values['status-api-url'] || values['status-target-url'] || values.forge) throw usage('--forge, --status-api-url and --status-target-url need a status token (--status-token-file or $FERRY_STATUS_TOKEN)');
    return undefined;
  }
  if (!cluster) throw usage(`commit statuses${githubApp ? ' (on with a GitHub App)' : ''} need --cluster NAME (or $FERRY_CLUSTER): it names this cluster in the status context`);
  const problem = checkClusterName(cluster);
  if (problem) throw usage(problem);
  const givenApiUrl = values['status-api-url'] ?? env.statusApiUrl;
  if (forge === 'gitea' && !givenApiUrl) throw usage('--forge gitea needs --status-api-url (or $FERRY_STATUS_API_URL): Gitea\'s base URL, such as https://gitea.example.com');
  const apiUrl = givenApiUrl ?? 'https://api.github.com';
  for (const [flag, url] of [['--status-api-url', apiUrl], ['--status-target-url', values['status-target-url']]] as const) {
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw usage(`${flag} must be an http(s) URL, not "${url}"`);
  }
  return {
    cluster, apiUrl,
    ...(forge === 'gitea' ? { forge } : {}),
    token: githubApp ? { app: true } : tokenFile ? { file: tokenFile } : { value: tokenEnv! },
    ...(values['status-target-url'] ? { targetUrl: values['status-target-url'] } : {}),
  };
}

/**
 * Builds the reporter; a status that cannot be posted is logged (without the token) and the sync
 * goes on. A token file is read for every status; `appTokens` is the agent's one installation
 * token cache (needed when the config says `app`).
 */
export async function buildReporter(config: ReporterConfig, log: (line: string) => void, appTokens?: TokenSource): Promise<SyncReporter> {
  const source = config.token;
  let token: string | TokenSource;
  if ('app' in source) {
    if (!appTokens) throw new FerryError('internal', 'buildReporter: a GitHub App reporter needs the app token source');
    token = appTokens;
  } else {
    const file = 'file' in source ? tokenFromFile(source.file, '--status-token-file') : undefined;
    token = file ?? (source as { value: string }).value;
    // Refused at start when unreadable or empty (exit 2), then read again at every use.
    const first = file ? await file.token().catch((error: unknown) => {
      throw new FerryError('usage', (error as Error).message);
    }) : token;
    if (!first) throw new FerryError('usage', 'the status token is empty');
  }
  return new CommitStatusReporter({
    port: config.forge === 'gitea' ? createGiteaStatusPort({ apiUrl: config.apiUrl, token }) : createGitHubStatusPort({ apiUrl: config.apiUrl, token }),
    cluster: config.cluster,
    targetUrl: config.targetUrl,
    onError: (error, status) => log(`ferry-agent: commit status ${status.context} not posted: ${error.describe()}`),
  });
}

function usage(message: string): FerryError {
  return new FerryError('usage', message, { hint: 'run `ferry-agent --help`' });
}
