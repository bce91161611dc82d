import type { GitHubConnection, GitHubHostOptions } from './github-host.js';

/**
 * Loads the Octokit stack only when GitHub is used: `--push direct` and `--dry-run` never pay for
 * importing it (a tenth of a second of a CLI run's start-up).
 */
export async function connectGitHub(options: GitHubHostOptions): Promise<GitHubConnection> {
  const { connectGitHubHost } = await import('./github-host.js');
  return connectGitHubHost(options);
}
