import { GitHubAppTokens, type AgentGitCredentialsOptions, type TokenSource } from '@ferry/agent';
import { FerryError } from '@ferry/manifest-model';

/** Flags of the agent's GitHub App identity, merged into the agent's parseArgs options. */
export const GITHUB_APP_OPTIONS = {
  'github-app-id': { type: 'string' },
  'github-app-installation-id': { type: 'string' },
  'github-app-private-key-file': { type: 'string' },
  'github-app-git-hosts': { type: 'string' },
} as const;

export const GITHUB_APP_USAGE = `GitHub App (instead of a status token; the agent's fetches and its commit statuses):
  --github-app-id ID                  the app's id ($FERRY_GITHUB_APP_ID)
  --github-app-installation-id ID     its installation on the config repositories ($FERRY_GITHUB_APP_INSTALLATION_ID)
  --github-app-private-key-file F     the app's private key, PEM ($FERRY_GITHUB_APP_PRIVATE_KEY_FILE)
  --github-app-git-hosts H[,H]        git hosts the installation token is sent to, for Syncs without
                                      spec.secretRef (default: the host of --status-api-url's GitHub,
                                      github.com) ($FERRY_GITHUB_APP_GIT_HOSTS)
  Installation tokens are minted at --status-api-url, kept until 5 minutes before they expire and
  minted again; files are re-read at use, so a rotated Secret needs no restart. Needs --cluster.
`;

/** FERRY_GITHUB_APP_* (read in agent-env.ts). */
export interface GitHubAppEnv {
  appId?: string | undefined;
  installationId?: string | undefined;
  privateKeyFile?: string | undefined;
  gitHosts?: string | undefined;
}

export interface GitHubAppConfig {
  appId: string;
  installationId: string;
  privateKeyFile: string;
  /** `host:port` entries. */
  gitHosts: string[];
}

type Values = { [K in keyof typeof GITHUB_APP_OPTIONS]?: string | undefined };

/** Undefined when no app flag or variable is set; all three of id, installation and key otherwise. */
export function parseGitHubAppConfig(values: Values, env: GitHubAppEnv, apiUrl: string | undefined): GitHubAppConfig | undefined {
  const appId = values['github-app-id'] ?? env.appId;
  const installationId = values['github-app-installation-id'] ?? env.installationId;
  const privateKeyFile = values['github-app-private-key-file'] ?? env.privateKeyFile;
  const hostsText = values['github-app-git-hosts'] ?? env.gitHosts;
  if (appId === undefined && installationId === undefined && privateKeyFile === undefined) {
    if (hostsText !== undefined) throw usage('--github-app-git-hosts needs --github-app-id, --github-app-installation-id and --github-app-private-key-file');
    return undefined;
  }
  if (appId === undefined || installationId === undefined || !privateKeyFile) {
    throw usage('a GitHub App needs all of --github-app-id, --github-app-installation-id and --github-app-private-key-file (or their $FERRY_GITHUB_APP_* variables)');
  }
  if (!/^(\d{1,20}|Iv[\w.]{1,60})$/.test(appId)) throw usage(`--github-app-id must be the app's numeric id (or its client id Iv...), not "${appId}"`);
  if (!/^\d{1,20}$/.test(installationId)) throw usage(`--github-app-installation-id must be a number, not "${installationId}"`);
  const gitHosts = hostsText !== undefined ? hostsText.split(/[\s,]+/).filter(Boolean).map(readHost) : [defaultGitHost(apiUrl)];
  if (!gitHosts.length) throw usage('--github-app-git-hosts names no host');
  return { appId, installationId, privateKeyFile, gitHosts };
}

/** github.com for api.github.com, else the API's own host (GitHub Enterprise serves git and API on one host). */
function defaultGitHost(apiUrl: string | undefined): string {
  const url = new URL(apiUrl ?? 'https://api.github.com');
  const port = url.port || (url.protocol === 'http:' ? '80' : '443');
  return `${url.hostname === 'api.github.com' ? 'github.com' : url.hostname}:${port}`;
}

/** `host` or `host:port` (default 443), as the git source compares them. */
function readHost(entry: string): string {
  const shape = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(entry);
  if (!shape || Number(shape[2] ?? 443) > 65535) throw usage(`--github-app-git-hosts has "${entry}", which is not a host or host:port`);
  return `${new URL(`https://${shape[1]}`).hostname}:${shape[2] ?? '443'}`;
}

/**
 * The agent's one token cache: the git source and the status port share it. The key file is read
 * once here so that a missing or malformed key exits 2 at start; minting waits for the first use.
 */
export async function buildGitHubAppTokens(config: GitHubAppConfig, apiUrl: string | undefined): Promise<GitHubAppTokens> {
  const tokens = new GitHubAppTokens({ ...(apiUrl ? { apiUrl } : {}), appId: config.appId, installationId: config.installationId, privateKeyFile: config.privateKeyFile });
  await tokens.checkKey().catch((error: unknown) => {
    throw error instanceof FerryError ? new FerryError('usage', error.message, { ...(error.hint ? { hint: error.hint } : {}) }) : error;
  });
  return tokens;
}

export function gitCredentialsOf(config: GitHubAppConfig, tokens: TokenSource): AgentGitCredentialsOptions {
  return { tokens, hosts: config.gitHosts };
}

function usage(message: string): FerryError {
  return new FerryError('usage', message, { hint: 'run `ferry-agent --help`' });
}
