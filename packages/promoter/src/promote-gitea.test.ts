// promote --push pr against a real Gitea (built from its Go module by the test environment): one PR
// per environment and app updated in place, "merge when checks succeed", a merge guarded by the head
// sha, --wait-merged. The same adapter speaks to Forgejo.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { startGitea, type GiteaRepo, type TestGitea } from '@ferry/testenv';
import { connectGiteaHost } from './adapters/gitea-host.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { ForgeErrorCode, waitForMerge } from './core/pull-request-flow.js';
import { promote, type PromoteOptions } from './promote.js';
import { fastRetry, readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

interface GiteaPull { number: number; state: string; title: string; merged: boolean; head: { ref: string; sha: string }; labels: { name: string }[] }

describe('promote --push pr against a real Gitea', () => {
  let gitea: TestGitea;
  let n = 0;
  beforeAll(async () => {
    gitea = await startGitea();
  }, 120_000);
  afterAll(async () => {
    await gitea?.close();
  });

  const newRepo = (): Promise<GiteaRepo> => gitea.createRepo(`config${n++}`, { files: seedConfigRepo(['web']) });
  const connect = (repo: GiteaRepo, token = gitea.admin.token) =>
    connectGiteaHost({ owner: repo.owner, repo: repo.name, token, apiUrl: gitea.url, retry: { baseDelayMs: 20, maxDelayMs: 500, attempts: 40 } });

  async function promoteIn(repo: GiteaRepo, options: Partial<PromoteOptions> & { env: string }) {
    const { host, gitAuth } = connect(repo);
    const workspace = await openGitWorkspace({ url: repo.cloneUrl, auth: await gitAuth() });
    try {
      return await promote({ repo: workspace, host, push: 'pr', clock: realClock, retry: fastRetry, pollMs: 50, ...options });
    } finally {
      await workspace.close();
    }
  }
  const openPulls = (repo: GiteaRepo) => gitea.api<GiteaPull[]>('GET', `/repos/${repo.fullName}/pulls?state=open`);

  it('opens one PR per environment and app, and a newer build updates it in place', async () => {
    const repo = await newRepo();
    const first = await promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.1.0' } });
    expect(first).toMatchObject({ outcome: 'pull-request', branch: 'ferry/dev/web', pullRequest: { action: 'created' } });
    const [pr] = await openPulls(repo);
    expect(pr).toMatchObject({ title: 'Promote web to dev: 1.1.0', head: { ref: 'ferry/dev/web' }, labels: [{ name: 'promotion' }] });
    expect((await readRemote(repo.cloneUrl, 'main', ['envs/dev/web.yaml'])).files.get('envs/dev/web.yaml')).toContain('web:1.0.0');

    const second = await promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.2.0' } });
    expect(second).toMatchObject({ outcome: 'pull-request', pullRequest: { number: pr!.number, action: 'updated', superseded: 'Promote web to dev: 1.1.0' } });
    const open = await openPulls(repo);
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ number: pr!.number, title: 'Promote web to dev: 1.2.0' });
    const branch = await readRemote(repo.cloneUrl, 'ferry/dev/web', ['envs/dev/web.yaml']);
    expect(branch.files.get('envs/dev/web.yaml')).toContain('web:1.2.0');
    expect(open[0]!.head.sha).toBe(branch.head);
    const comments = await gitea.api<{ body: string }[]>('GET', `/repos/${repo.fullName}/issues/${pr!.number}/comments`);
    expect(comments.map((c) => c.body)).toContain('Superseded by a newer build: Promote web to dev: 1.1.0 → Promote web to dev: 1.2.0');
  }, 60_000);

  it('merges at once guarded by the head sha: a stale sha is refused, the right one merges', async () => {
    const repo = await newRepo();
    await promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '2.0.0' } });
    const { host } = connect(repo);
    const pr = (await host.findOpenPullRequest('ferry/dev/web', 'main'))!;
    const stale = await host.mergePullRequest(pr.number, { sha: 'f'.repeat(40), method: 'merge' }).catch((err: unknown) => err);
    expect(stale).toBeInstanceOf(FerryError);
    expect((stale as FerryError).code).toBe(ForgeErrorCode.headMoved);
    const { sha } = await host.mergePullRequest(pr.number, { sha: pr.headSha, method: 'squash' });
    const main = await readRemote(repo.cloneUrl, 'main', ['envs/dev/web.yaml']);
    expect(main.head).toBe(sha);
    // The squash keeps the promotion commit's message, trailers and all (Gitea's own would be
    // "title (#N)" alone, and history, status and rollback would find no promotion).
    const messageOf = async (commit: string) => (await gitea.api<{ commit: { message: string } }>('GET', `/repos/${repo.fullName}/git/commits/${commit}`)).commit.message;
    const [subject] = (await messageOf(pr.headSha)).split('\n');
    const squash = await messageOf(sha);
    expect(squash.startsWith(`${subject} (#${pr.number})\n\n`), squash).toBe(true);
    expect(squash).toContain('Ferry-App: web\nFerry-Env: dev\nFerry-Image: ghcr.io/acme/web:2.0.0');
    expect(main.files.get('envs/dev/web.yaml')).toContain('web:2.0.0');
    expect(await host.getPullRequest(pr.number)).toMatchObject({ state: 'closed', merged: true, mergeCommitSha: sha });
  }, 60_000);

  it('--auto-merge schedules "merge when checks succeed"; --wait-merged reports the merge once the required check passes', async () => {
    const repo = await newRepo();
    await gitea.api('POST', `/repos/${repo.fullName}/branch_protections`, { rule_name: 'main', enable_status_check: true, status_check_contexts: ['ci/test'] });
    const running = promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '3.0.0' }, autoMerge: true, waitMergedMs: 60_000 });
    // Play CI: once the PR is scheduled to merge (Gitea's timeline says so), report the check green.
    const deadline = Date.now() + 30_000;
    let pr: GiteaPull | undefined;
    for (;;) {
      [pr] = await openPulls(repo);
      const timeline = pr ? await gitea.api<{ type: string }[]>('GET', `/repos/${repo.fullName}/issues/${pr.number}/timeline`) : [];
      if (timeline.some((event) => event.type === 'pull_scheduled_merge')) break;
      if (Date.now() > deadline) throw new Error('merge when checks succeed was never scheduled');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pr!.merged).toBe(false);
    await gitea.api('POST', `/repos/${repo.fullName}/statuses/${pr!.head.sha}`, { state: 'success', context: 'ci/test', description: 'green' });
    const result = await running;
    expect(result).toMatchObject({ outcome: 'promoted', merge: { mode: 'auto-merge' } });
    const main = await readRemote(repo.cloneUrl, 'main', ['envs/dev/web.yaml']);
    expect(result.mergeSha).toBe(main.head);
    expect(main.files.get('envs/dev/web.yaml')).toContain('web:3.0.0');
  }, 90_000);

  // Gitea merges in one transaction but reads a PR in two queries (the PR row, then its issue), so a
  // read racing a merge (its own auto-merge, say) can answer closed and not merged. A relay in front
  // of the real Gitea serves that torn read, deterministically, once the PR has really merged.
  it('a PR read closed but not merged, racing the merge, is confirmed merged; a PR closed unmerged stays closed', async () => {
    const repo = await newRepo();
    await promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '3.2.0' } });
    const [pr] = await openPulls(repo);
    await gitea.api('POST', `/repos/${repo.fullName}/pulls/${pr!.number}/merge`, { Do: 'merge', head_commit_id: pr!.head.sha });
    const relay = await startTearingRelay(gitea.url, `/api/v1/repos/${repo.fullName}/pulls/${pr!.number}`);
    try {
      const { host } = connectGiteaHost({ owner: repo.owner, repo: repo.name, token: gitea.admin.token, apiUrl: relay.url });
      const waited = await waitForMerge(host, pr!.number, { timeoutMs: 10_000, pollMs: 50, clock: realClock });
      const main = await readRemote(repo.cloneUrl, 'main', ['envs/dev/web.yaml']);
      expect(waited).toMatchObject({ outcome: 'merged', sha: main.head });
      expect(relay.torn).toBe(1);
      expect(relay.paths).toContain(`/api/v1/repos/${repo.fullName}/pulls/${pr!.number}/merge`);

      // A PR closed without a merge: the merge endpoint says 404, so it is closed.
      await promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '3.3.0' } });
      const [second] = await openPulls(repo);
      await gitea.api('PATCH', `/repos/${repo.fullName}/pulls/${second!.number}`, { state: 'closed' });
      expect(await waitForMerge(host, second!.number, { timeoutMs: 10_000, pollMs: 50, clock: realClock })).toMatchObject({ outcome: 'closed', pr: { merged: false } });
    } finally {
      await relay.close();
    }
  }, 60_000);

  it('--auto-merge with no required checks: Gitea merges it, --wait-merged reports the merge sha', async () => {
    const repo = await newRepo();
    const result = await promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '3.1.0' }, autoMerge: true, waitMergedMs: 60_000 });
    expect(result).toMatchObject({ outcome: 'promoted' });
    const main = await readRemote(repo.cloneUrl, 'main', ['envs/dev/web.yaml']);
    expect(result.mergeSha).toBe(main.head);
    expect(main.files.get('envs/dev/web.yaml')).toContain('web:3.1.0');
    expect(await openPulls(repo)).toHaveLength(0);
  }, 90_000);

  it('closes a PR and lists open ones; a wrong token is gitea.auth and never printed', async () => {
    const repo = await newRepo();
    await promoteIn(repo, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '4.0.0' } });
    const { host } = connect(repo);
    const [open] = await host.listOpenPullRequests('main');
    expect(open).toMatchObject({ headRef: 'ferry/dev/web', baseRef: 'main', state: 'open' });
    expect(await host.listOpenPullRequests('other')).toEqual([]);
    expect(await host.closePullRequest(open!.number)).toMatchObject({ state: 'closed', merged: false });
    expect(await host.listOpenPullRequests('main')).toEqual([]);

    const wrong = 'a'.repeat(40);
    const err = await connect(repo, wrong).host.listOpenPullRequests('main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('gitea.auth');
    expect(`${(err as FerryError).describe()}`).not.toContain(wrong);
  }, 60_000);
});

/**
 * A relay to a real Gitea that passes everything through, except that it answers the first read of
 * `pullPath` as the torn read Gitea can give while a merge commits: closed, not merged, no merge commit.
 */
async function startTearingRelay(target: string, pullPath: string): Promise<{ url: string; torn: number; paths: string[]; close(): Promise<void> }> {
  const upstream = new URL(target);
  const state = { torn: 0, paths: [] as string[] };
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    state.paths.push(path);
    const tear = req.method === 'GET' && path === pullPath && state.torn === 0;
    const out = request({ host: upstream.hostname, port: upstream.port, path, method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        let body = Buffer.concat(chunks);
        if (tear && answer.statusCode === 200) {
          state.torn++;
          const pull = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
          body = Buffer.from(JSON.stringify({ ...pull, state: 'closed', merged: false, merge_commit_sha: null, merged_at: null, merged_by: null }));
        }
        const headers = { ...answer.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    out.on('error', (err) => res.destroy(err));
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get torn() { return state.torn; },
    paths: state.paths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
