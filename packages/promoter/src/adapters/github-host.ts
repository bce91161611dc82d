import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { FerryError } from '@ferry/manifest-model';
import { ForgeErrorCode, type MergeMethodName, type PullRequest, type PullRequestHost } from '../core/pull-request-flow.js';
import { excerptResponse } from '@ferry/git-http';
import { createInstallationTokenSource, type MintedToken } from './installation-token.js';

export type GitHubAuth =
  | { kind: 'token'; token: string }
  /** A GitHub App: the installation is looked up from the repository. */
  | { kind: 'app'; appId: string | number; privateKey: string };

export interface GitHubHostOptions {
  owner: string;
  repo: string;
  auth: GitHubAuth;
  /** REST base URL: https://api.github.com (default) or https://HOST/api/v3 for GitHub Enterprise. */
  apiUrl?: string | undefined;
  /**
   * Throttling knobs. GitHub asks for writes at least a second apart (the default); tests against
   * the local stand-in turn that off. `retryAfterScaleMs` is the wait per second of Retry-After.
   */
  /**
   * GitHub asks for content-creating requests to be spaced (1 s for writes, 3 s for PR and comment
   * creation). The limiters belong to this connection: octokit's defaults are shared by every client
   * in the process, which held in-process concurrent promotions (and tests) to one PR per 3 s.
   */
  throttle?: { writeSpacingMs?: number; notificationSpacingMs?: number; retryAfterScaleMs?: number; maxRetries?: number } | undefined;
  userAgent?: string | undefined;
}

export interface GitHubConnection {
  host: PullRequestHost;
  /**
   * Credentials for git over HTTPS on the same host, and a token for its API: an App's
   * installation token, renewed when half its life (at most 5 minutes) is left, so call it per use.
   */
  gitAuth(): Promise<{ username: string; password: string }>;
}

const ThrottledOctokit = Octokit.plugin(retry, throttling);
type Client = InstanceType<typeof ThrottledOctokit>;

const AUTO_MERGE = `mutation EnableAutoMerge($id: ID!, $mergeMethod: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod }) {
    pullRequest { number autoMergeRequest { enabledAt } }
  }
}`;

/**
 * PullRequestHost over @octokit/rest + GraphQL, with retry (5xx, cut connections) and throttling
 * (primary and secondary rate limits). Vendor errors become FerryError here and nowhere else.
 */
export async function connectGitHubHost(options: GitHubHostOptions): Promise<GitHubConnection> {
  const { owner, repo } = options;
  const baseUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const maxRetries = options.throttle?.maxRetries ?? 4;
  const common = {
    baseUrl,
    userAgent: options.userAgent ?? 'ferry-promote',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    // 405/409/422 are answers, not failures: never retry them.
    retry: { doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 451], retries: maxRetries, retryAfterBaseValue: options.throttle?.retryAfterScaleMs ?? 1000 },
    throttle: {
      retryAfterBaseValue: options.throttle?.retryAfterScaleMs ?? 1000,
      fallbackSecondaryRateRetryAfter: 60,
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.throttle?.writeSpacingMs ?? 1000 }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.throttle?.notificationSpacingMs ?? 3000 }),
      onRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < maxRetries,
      onSecondaryRateLimit: (_after: number, _opts: unknown, _o: unknown, count: number) => count < maxRetries,
    },
  };

  let client: Client;
  let gitAuth: GitHubConnection['gitAuth'];
  if (options.auth.kind === 'token') {
    const token = options.auth.token;
    client = new ThrottledOctokit({ ...common, auth: token });
    gitAuth = async () => ({ username: 'x-access-token', password: token });
  } else {
    const appAuth = { appId: options.auth.appId, privateKey: options.auth.privateKey };
    const appClient = new ThrottledOctokit({ ...common, authStrategy: createAppAuth, auth: appAuth });
    const installation = await call('find the GitHub App installation', () => appClient.rest.apps.getRepoInstallation({ owner, repo }));
    const installed = new ThrottledOctokit({ ...common, authStrategy: createAppAuth, auth: { ...appAuth, installationId: installation.data.id } });
    client = installed;
    const tokens = createInstallationTokenSource(async (refresh) => (await call('create an installation token', () => installed.auth({ type: 'installation', refresh }))) as MintedToken);
    // Renew the token auth-app's cache hands to every request before it expires (the token
    // endpoint itself is authenticated with the app's JWT and must not wait on itself).
    client.hook.before('request', async (request) => {
      if (!/^(?:[A-Z]+ )?\/app(?:\/|$)/.test(String(request.url))) await tokens.token();
    });
    gitAuth = async () => ({ username: 'x-access-token', password: await tokens.token() });
  }

  // GraphQL node ids of the PRs this connection has seen (auto-merge names a PR by node id).
  const nodeIds = new Map<number, string>();
  const toPullRequest = (p: ApiPull): PullRequest => {
    nodeIds.set(p.number, p.node_id);
    return toPullRequestFields(p);
  };

  const host: PullRequestHost = {
    async findOpenPullRequest(head, base) {
      // `head` must be owner:branch; a bare branch name is silently ignored by GitHub.
      const { data } = await call('list pull requests', () => client.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${head}`, base, per_page: 10 }));
      const pr = data.find((p) => p.head.ref === head && p.base.ref === base);
      return pr ? toPullRequest(pr) : null;
    },
    async createPullRequest({ head, base, title, body, draft }) {
      const { data } = await call('create the pull request', () => client.rest.pulls.create({ owner, repo, head, base, title, body, maintainer_can_modify: false, ...(draft ? { draft: true } : {}) }));
      return toPullRequest(data);
    },
    async updatePullRequest(number, { title, body }) {
      const { data } = await call(`update pull request #${number}`, () => client.rest.pulls.update({ owner, repo, pull_number: number, title, body }));
      return toPullRequest(data);
    },
    async listOpenPullRequests(base) {
      const all: PullRequest[] = [];
      for (let page = 1; page <= 3; page++) {
        const { data } = await call('list pull requests', () => client.rest.pulls.list({ owner, repo, state: 'open', base, sort: 'created', direction: 'asc', per_page: 100, page }));
        all.push(...data.map(toPullRequest));
        if (data.length < 100) break;
      }
      return all;
    },
    async closePullRequest(number) {
      const { data } = await call(`close pull request #${number}`, () => client.rest.pulls.update({ owner, repo, pull_number: number, state: 'closed' }));
      return toPullRequest(data);
    },
    async commentOnPullRequest(number, body) {
      await call(`comment on #${number}`, () => client.rest.issues.createComment({ owner, repo, issue_number: number, body }));
    },
    async addLabels(number, labels) {
      await call(`label #${number}`, () => client.rest.issues.addLabels({ owner, repo, issue_number: number, labels }));
    },
    async requestReviewers(number, { users, teams }) {
      await call(`request reviewers on #${number}`, () => client.rest.pulls.requestReviewers({ owner, repo, pull_number: number, reviewers: users, team_reviewers: teams }));
    },
    async enableAutoMerge(pr, method) {
      try {
        if (!nodeIds.has(pr.number)) await host.getPullRequest(pr.number);
        await client.graphql(AUTO_MERGE, { id: nodeIds.get(pr.number), mergeMethod: method.toUpperCase() });
        return 'enabled';
      } catch (err) {
        const message = graphqlMessage(err);
        if (/clean status/i.test(message)) return 'mergeable-now';
        if (/auto.?merge is not allowed|not enabled for this repository|unstable status|has_auto_merge/i.test(message)) return 'unavailable';
        throw translate(`enable auto-merge on #${pr.number}`, err);
      }
    },
    async mergePullRequest(number, { sha, method }) {
      const { data } = await call(`merge #${number}`, () => client.rest.pulls.merge({ owner, repo, pull_number: number, sha, merge_method: method as MergeMethodName }));
      return { sha: data.sha };
    },
    async getPullRequest(number) {
      const { data } = await call(`read #${number}`, () => client.rest.pulls.get({ owner, repo, pull_number: number }));
      return toPullRequest(data);
    },
  };
  return { host, gitAuth };
}

interface ApiPull {
  number: number;
  node_id: string;
  html_url: string;
  state: string;
  merged?: boolean;
  merged_at: string | null;
  merge_commit_sha: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  title: string;
  body: string | null;
}

function toPullRequestFields(p: ApiPull): PullRequest {
  const merged = p.merged ?? p.merged_at !== null;
  return {
    number: p.number, url: p.html_url, state: p.state === 'closed' ? 'closed' : 'open',
    merged, mergeCommitSha: merged ? p.merge_commit_sha : null,
    headRef: p.head.ref, headSha: p.head.sha, baseRef: p.base.ref, title: p.title, body: p.body ?? '',
  };
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw translate(what, err);
  }
}

/** GitHub answers to FerryError codes the core understands (see PullRequestHost). */
export function translate(what: string, err: unknown): FerryError {
  if (err instanceof FerryError) return err;
  const e = err as { status?: number; message?: string; response?: { data?: { message?: string; errors?: { message?: string }[] } } };
  const apiMessage = [e.response?.data?.message, ...(e.response?.data?.errors ?? []).map((x) => x.message)].filter(Boolean).join('; ') || e.message || String(err);
  const status = e.status ?? 0;
  // The status line and a short, redacted, one-line excerpt: an error page is never echoed whole.
  const text = `${what}: ${status ? `HTTP ${status}: ` : ''}${excerptResponse(apiMessage)}`;
  if (status === 422 && /already exists/i.test(apiMessage)) return new FerryError(ForgeErrorCode.prExists, text, { cause: err });
  if (status === 409) return new FerryError(ForgeErrorCode.headMoved, text, { cause: err });
  if (status === 405) return new FerryError(ForgeErrorCode.notMergeable, text, { cause: err });
  if (status === 429 || status >= 500 || (status === 403 && /rate limit/i.test(apiMessage))) return new FerryError('github.transient', text, { cause: err });
  if (status === 401 || status === 403) return new FerryError('github.auth', text, { cause: err, hint: 'check the token or GitHub App permissions (contents, pull requests: write)' });
  if (status === 404) return new FerryError('github.not-found', text, { cause: err, hint: 'check --repo and that the credentials can see it' });
  // No HTTP status: a connection that failed before any answer is worth a retry; anything else is not.
  if (status === 0 && /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|fetch failed|network/i.test(`${(err as { code?: string }).code ?? ''} ${e.message ?? ''}`)) {
    return new FerryError('github.transient', text, { cause: err });
  }
  return new FerryError('github.failed', text, { cause: err });
}

function graphqlMessage(err: unknown): string {
  const e = err as { errors?: { message?: string }[]; message?: string };
  return e.errors?.map((x) => x.message).join('; ') ?? e.message ?? String(err);
}
