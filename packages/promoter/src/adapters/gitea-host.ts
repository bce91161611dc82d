// PullRequestHost over Gitea's REST API (/api/v1), also spoken by Forgejo. Plain fetch: token auth
// (`Authorization: token ...`, never in a message), retries for 5xx, 429 and cut connections, and for
// Gitea's 405 "Please try again later" while it is still computing whether a PR can merge. Vendor
// answers become FerryError here and nowhere else.
import { FerryError, giteaApiBase } from '@ferry/manifest-model';
import { excerptResponse } from '@ferry/git-http';
import { ForgeErrorCode, type PullRequest, type PullRequestHost } from '../core/pull-request-flow.js';

export interface GiteaHostOptions {
  owner: string;
  repo: string;
  /** A personal or bot access token with repository read/write (and issue write for comments and labels). */
  token: string;
  /** Gitea's base URL (https://gitea.example.com) or its API URL (…/api/v1). */
  apiUrl: string;
  /**
   * Retries of transient answers (5xx, 429, cut connections) and of 405 "try again later":
   * exponential backoff from `baseDelayMs` up to `maxDelayMs`, `attempts` tries in all.
   */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number } | undefined;
  userAgent?: string | undefined;
  /** Waits between retries; tests may shorten it. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface GiteaConnection {
  host: PullRequestHost;
  /** Credentials for git over HTTP on the same host: the token's user, the token as password. */
  gitAuth(): Promise<{ username: string; password: string }>;
}

// The API base rule (`…/api/v1` appended unless given) is shared with the agent, in manifest-model.
export { giteaApiBase } from '@ferry/manifest-model';

interface ApiPull {
  number: number;
  html_url: string;
  state: string;
  merged: boolean;
  merge_commit_sha: string | null;
  draft?: boolean;
  head: { ref: string; sha: string };
  base: { ref: string };
  title: string;
  body: string | null;
}

interface Answer {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  data: unknown;
  /** Gitea's `message`, for errors. */
  message: string;
}

/** Gitea marks a PR as a draft ("work in progress") by a title prefix. */
const WIP_PREFIX = 'WIP: ';
const PAGE = 50; // Gitea's default MAX_RESPONSE_ITEMS
const MAX_PAGES = 10;

export function connectGiteaHost(options: GiteaHostOptions): GiteaConnection {
  const api = giteaApiBase(options.apiUrl);
  const repoPath = `/repos/${encodeURIComponent(options.owner)}/${encodeURIComponent(options.repo)}`;
  const attempts = options.retry?.attempts ?? 6;
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 8_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const headers = { authorization: `token ${options.token}`, accept: 'application/json', 'user-agent': options.userAgent ?? 'ferry-promote' };

  /** One request with retries of transient answers; any other answer is returned to the caller. */
  const send = async (what: string, method: string, path: string, body?: unknown, retryLater = false): Promise<Answer> => {
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        const response = await fetch(`${api}${path}`, {
          method,
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        let data: unknown;
        try {
          data = text ? JSON.parse(text) : undefined;
        } catch {
          data = undefined;
        }
        const message = (data as { message?: unknown } | undefined)?.message;
        answer = { status: response.status, data, message: typeof message === 'string' ? message : text };
      } catch (err) {
        if (attempt >= attempts) throw new FerryError('gitea.transient', `${what}: ${excerptResponse((err as Error).message)}`, { cause: err });
        await sleep(delay(attempt));
        continue;
      }
      const transient = answer.status === 429 || answer.status >= 500 || (retryLater && answer.status === 405 && /try again later/i.test(answer.message));
      if (!transient || attempt >= attempts) return answer;
      await sleep(delay(attempt));
    }
  };
  const delay = (attempt: number): number => Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));

  /** A 2xx answer's data, or the FerryError for anything else. */
  const call = async <T>(what: string, method: string, path: string, body?: unknown): Promise<T> => {
    const answer = await send(what, method, path, body);
    if (answer.status < 200 || answer.status >= 300) throw translate(what, answer);
    return answer.data as T;
  };

  const listOpen = async (base?: string): Promise<PullRequest[]> => {
    const all: PullRequest[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await call<ApiPull[]>('list pull requests', 'GET', `${repoPath}/pulls?state=open&sort=oldest&limit=${PAGE}&page=${page}`);
      all.push(...data.filter((p) => base === undefined || p.base.ref === base).map(toPullRequest));
      if (data.length < PAGE) break;
    }
    return all;
  };

  const labelIds = async (names: string[]): Promise<number[]> => {
    const existing = new Map<string, number>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await call<{ id: number; name: string }[]>('list labels', 'GET', `${repoPath}/labels?limit=${PAGE}&page=${page}`);
      for (const label of data) existing.set(label.name, label.id);
      if (data.length < PAGE) break;
    }
    const ids: number[] = [];
    for (const name of names) {
      let id = existing.get(name);
      // GitHub creates a missing label on use; Gitea needs it to exist.
      if (id === undefined) id = (await call<{ id: number }>(`create label ${name}`, 'POST', `${repoPath}/labels`, { name, color: '#ededed' })).id;
      ids.push(id);
    }
    return ids;
  };

  /**
   * A squash's commit message. Gitea's own is the PR title and number alone, which would drop the
   * head commit's body and with it the promotion's trailers (history, status and rollback read
   * them). So, as GitHub squashes a one-commit PR: the head commit's subject with (#N), its body
   * below. Merge and rebase keep the head commit itself.
   */
  const mergeMessage = async (number: number, sha: string, method: string): Promise<{ MergeTitleField?: string; MergeMessageField?: string }> => {
    if (method !== 'squash') return {};
    const commit = await call<{ commit: { message: string } }>(`read the head commit of #${number}`, 'GET', `${repoPath}/git/commits/${encodeURIComponent(sha)}?stat=false&files=false&verification=false`);
    const [subject = '', ...rest] = commit.commit.message.split('\n');
    return { MergeTitleField: `${subject} (#${number})`, MergeMessageField: rest.join('\n').trim() };
  };

  const host: PullRequestHost = {
    async findOpenPullRequest(head, base) {
      return (await listOpen(base)).find((p) => p.headRef === head) ?? null;
    },
    async createPullRequest({ head, base, title, body, draft }) {
      const answer = await send('create the pull request', 'POST', `${repoPath}/pulls`, { head, base, title: draft ? `${WIP_PREFIX}${title}` : title, body });
      if (answer.status === 409) throw new FerryError(ForgeErrorCode.prExists, `create the pull request: HTTP 409: ${excerptResponse(answer.message)}`);
      if (answer.status !== 201) throw translate('create the pull request', answer);
      return toPullRequest(answer.data as ApiPull);
    },
    async updatePullRequest(number, { title, body }) {
      // A draft stays a draft: keep Gitea's prefix on the new title.
      const current = await call<ApiPull>(`read #${number}`, 'GET', `${repoPath}/pulls/${number}`);
      const keepWip = current.draft === true && current.title.startsWith(WIP_PREFIX);
      const data = await call<ApiPull>(`update pull request #${number}`, 'PATCH', `${repoPath}/pulls/${number}`, { title: keepWip ? `${WIP_PREFIX}${title}` : title, body });
      return toPullRequest(data);
    },
    async commentOnPullRequest(number, body) {
      await call(`comment on #${number}`, 'POST', `${repoPath}/issues/${number}/comments`, { body });
    },
    listOpenPullRequests: (base) => listOpen(base),
    async closePullRequest(number) {
      return toPullRequest(await call<ApiPull>(`close pull request #${number}`, 'PATCH', `${repoPath}/pulls/${number}`, { state: 'closed' }));
    },
    async addLabels(number, labels) {
      await call(`label #${number}`, 'POST', `${repoPath}/issues/${number}/labels`, { labels: await labelIds(labels) });
    },
    async requestReviewers(number, { users, teams }) {
      await call(`request reviewers on #${number}`, 'POST', `${repoPath}/pulls/${number}/requested_reviewers`, { reviewers: users, team_reviewers: teams });
    },
    async enableAutoMerge(pr, method) {
      // Gitea's "merge when checks succeed": 201 scheduled; 409 when already scheduled (a newer
      // build updated the PR). Its queue merges the PR once the head's commit statuses pass.
      const what = `schedule the merge of #${pr.number} when checks succeed`;
      const answer = await send(what, 'POST', `${repoPath}/pulls/${pr.number}/merge`, { Do: method, head_commit_id: pr.headSha, merge_when_checks_succeed: true, ...(await mergeMessage(pr.number, pr.headSha, method)) }, true);
      if (answer.status === 201) return 'enabled';
      if (answer.status === 200) return 'enabled'; // a forge that merged at once: --wait-merged sees it merged
      if (answer.status === 409 && /already scheduled|auto.?merge/i.test(answer.message)) return 'enabled';
      if (answer.status === 405) return 'unavailable';
      throw translate(what, answer);
    },
    async mergePullRequest(number, { sha, method }) {
      const what = `merge #${number}`;
      const answer = await send(what, 'POST', `${repoPath}/pulls/${number}/merge`, { Do: method, head_commit_id: sha, ...(await mergeMessage(number, sha, method)) }, true);
      if (answer.status === 409 && /head out of date/i.test(answer.message)) throw new FerryError(ForgeErrorCode.headMoved, `${what}: HTTP 409: ${excerptResponse(answer.message)}`);
      if (answer.status === 405 || answer.status === 409) throw new FerryError(ForgeErrorCode.notMergeable, `${what}: HTTP ${answer.status}: ${excerptResponse(answer.message)}`);
      if (answer.status !== 200) throw translate(what, answer);
      // Gitea answers the merge with an empty body: the merge commit is on the PR.
      const merged = await host.getPullRequest(number);
      if (!merged.mergeCommitSha) throw new FerryError('gitea.failed', `${what}: Gitea answered 200 but the pull request has no merge commit`);
      return { sha: merged.mergeCommitSha };
    },
    async getPullRequest(number) {
      const read = async () => toPullRequest(await call<ApiPull>(`read #${number}`, 'GET', `${repoPath}/pulls/${number}`));
      const pr = await read();
      if (pr.state !== 'closed' || pr.merged) return pr;
      // Gitea merges in one transaction (close the issue, mark the PR merged) but reads a PR in two
      // queries (the PR row, then its issue), so a read racing a merge can be closed but not yet
      // merged. Ask the merge endpoint, one query that sees the committed merge: 204 merged, 404 not.
      const what = `check whether #${number} is merged`;
      const check = await send(what, 'GET', `${repoPath}/pulls/${number}/merge`);
      if (check.status === 404) return pr;
      if (check.status !== 204) throw translate(what, check);
      // Merged and committed: a new read shows it with its merge commit.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const again = await read();
        if (again.merged) return again;
      }
      throw new FerryError('gitea.failed', `${what}: Gitea says #${number} is merged but reads it as closed and not merged`);
    },
  };

  let login: string | undefined;
  return {
    host,
    async gitAuth() {
      login ??= (await call<{ login: string }>('read the token\'s user', 'GET', '/user')).login;
      return { username: login, password: options.token };
    },
  };
}

function toPullRequest(p: ApiPull): PullRequest {
  const title = p.draft === true && p.title.startsWith(WIP_PREFIX) ? p.title.slice(WIP_PREFIX.length) : p.title;
  return {
    number: p.number, url: p.html_url, state: p.state === 'closed' ? 'closed' : 'open',
    merged: p.merged, mergeCommitSha: p.merged ? p.merge_commit_sha : null,
    headRef: p.head.ref, headSha: p.head.sha, baseRef: p.base.ref, title, body: p.body ?? '',
  };
}

/** Gitea answers to FerryError codes (the status line and a short, redacted excerpt of its message). */
function translate(what: string, answer: Answer): FerryError {
  const text = `${what}: HTTP ${answer.status}: ${excerptResponse(answer.message)}`;
  if (answer.status === 429 || answer.status >= 500) return new FerryError('gitea.transient', text);
  if (answer.status === 401 || answer.status === 403) return new FerryError('gitea.auth', text, { hint: 'check the token (FERRY_GITEA_TOKEN) and that its user can write to the repository' });
  if (answer.status === 404) return new FerryError('gitea.not-found', text, { hint: 'check --repo, --api-url and that the token can see the repository' });
  return new FerryError('gitea.failed', text);
}
