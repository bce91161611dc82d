// Test-side half of the secret scan: what a test gathers itself (child process output, Kubernetes
// events, Sync status, the GitHub stand-in's records, commit messages in the test git server)
// goes through expectNoSecrets. Console output is covered by secret-scan-reporter.ts.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitServer } from '../git-server/start-git-server.js';
import { runGit } from '../git-server/run-git.js';
import type { GitHubEmulator } from '../github/start-github-emulator.js';
import { findSecrets, type FindSecretsOptions } from './find-secrets.js';

/**
 * Throws when `text` holds a secret; the message names `where` and shows only masked excerpts.
 * Objects are scanned as JSON (Kubernetes events and status, API bodies).
 */
export function expectNoSecrets(text: unknown, where: string, options: FindSecretsOptions = {}): void {
  const scanned = typeof text === 'string' ? text : JSON.stringify(text) ?? '';
  const findings = findSecrets(scanned, options);
  if (findings.length === 0) return;
  const lines = findings.slice(0, 10).map((f) => `  ${f.kind}: ${f.excerpt}`);
  const more = findings.length > 10 ? [`  ... and ${findings.length - 10} more`] : [];
  throw new Error(`secret leaked in ${where}:\n${[...lines, ...more].join('\n')}`);
}

/**
 * What the GitHub stand-in keeps that GitHub users see: pull request titles, bodies and comments,
 * commit statuses, check runs, and every request and response body it logged, except the bodies
 * that are supposed to carry a token (installation access tokens).
 */
export function collectGitHubText(github: GitHubEmulator): string {
  const parts: unknown[] = [];
  for (const repo of github.state.repos.values()) {
    for (const pr of repo.pulls) parts.push(pr.title, pr.body, pr.comments.map((c) => c.body), pr.autoMerge?.commitMessage);
    for (const status of repo.statuses) parts.push(status.context, status.description, status.targetUrl);
    for (const run of repo.checkRuns) parts.push(run.name, run.output, run.detailsUrl);
  }
  for (const exchange of github.requests) {
    parts.push(exchange.query, exchange.requestBody);
    if (!/\/access_tokens$/.test(exchange.path)) parts.push(exchange.responseBody);
  }
  return parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p) ?? '')).join('\n');
}

/** Commit messages and ref names of every repository the test git server holds. */
export async function collectCommitText(git: Pick<GitServer, 'root'>): Promise<string> {
  const out: string[] = [];
  for (const gitDir of await findBareRepos(git.root)) {
    const log = await runGit(['--git-dir', gitDir, 'log', '--all', '--format=%D%n%B']);
    out.push(log.stdout);
  }
  return out.join('\n');
}

/** Scans the GitHub stand-in's records and the commits of its git server (end of a test file). */
export async function expectNoSecretsInWorld(world: { github: GitHubEmulator; git: Pick<GitServer, 'root'> }, options: FindSecretsOptions = {}): Promise<void> {
  expectNoSecrets(collectGitHubText(world.github), 'the GitHub stand-in (pull requests, comments, statuses, API bodies)', options);
  expectNoSecrets(await collectCommitText(world.git), 'commit messages on the test git server', options);
}

async function findBareRepos(root: string): Promise<string[]> {
  const found: string[] = [];
  const owners = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const owner of owners) {
    if (!owner.isDirectory()) continue;
    for (const repo of await readdir(join(root, owner.name), { withFileTypes: true }).catch(() => [])) {
      if (repo.isDirectory() && repo.name.endsWith('.git')) found.push(join(root, owner.name, repo.name));
    }
  }
  return found;
}
