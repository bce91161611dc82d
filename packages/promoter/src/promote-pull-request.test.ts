import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { expectNoSecretsInWorld, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import type { GitHubAuth } from './adapters/github-host.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import type { PullRequestHost } from './core/pull-request-flow.js';
import { promote, type PromoteOptions } from './promote.js';
import { fastRetry, readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

const TOKEN = TEST_GITHUB_TOKEN;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

describe('promote --push pr against the GitHub emulator', () => {
  let world: EmulatorWorld;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN], app: { appId: 4242, privateKeyPem: privateKey, installationId: 77 } });
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
  });

  async function newRepo(apps = ['web']): Promise<{ name: string; url: string }> {
    const name = `acme/pr${n++}`;
    const { url } = await world.git.createRepo(name, { seed: seedConfigRepo(apps) });
    return { name, url };
  }

  async function promoteIn(name: string, options: Partial<PromoteOptions> & { env: string }, auth: GitHubAuth = { kind: 'token', token: TOKEN }, wrapHost = (h: PullRequestHost) => h) {
    const [owner, repoName] = name.split('/') as [string, string];
    const { host: realHost, gitAuth } = await connectGitHub({ owner, repo: repoName, auth, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5, maxRetries: 3 } });
    const repo = await openGitWorkspace({ url: world.git.repoUrl(name), auth: await gitAuth() });
    const host = wrapHost(realHost);
    try {
      return await promote({ repo, host, push: 'pr', clock: realClock, retry: fastRetry, pollMs: 20, ...options });
    } finally {
      await repo.close();
    }
  }

  const openPulls = (name: string) => [...world.github.state.repos.get(name)?.pulls.values() ?? []].filter((p) => p.state === 'open');

  it('opens a PR with labels and reviewers, then a newer build updates (supersedes) it instead of opening another', async () => {
    const { name, url } = await newRepo();
    const first = await promoteIn(name, { env: 'staging', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.1.0' }, buildUrl: 'https://ci.example/1' });
    expect(first).toMatchObject({ outcome: 'pull-request', branch: 'ferry/staging/web', pullRequest: { action: 'created' } });
    const [pr] = openPulls(name);
    expect(pr).toMatchObject({ headRef: 'ferry/staging/web', baseRef: 'main', title: 'Promote web to staging: 1.1.0', labels: ['promotion', 'staging'], requestedReviewers: ['alice'], requestedTeams: ['platform'] });
    expect(pr!.body).toContain('| `envs/staging/web.yaml` |');
    // main is untouched until the PR merges.
    expect((await readRemote(url, 'main', ['envs/staging/web.yaml'])).files.get('envs/staging/web.yaml')).toContain('web:1.0.0');

    const second = await promoteIn(name, { env: 'staging', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.2.0' } });
    expect(second).toMatchObject({ outcome: 'pull-request', pullRequest: { number: pr!.number, action: 'updated', superseded: 'Promote web to staging: 1.1.0' } });
    expect(openPulls(name)).toHaveLength(1);
    expect(openPulls(name)[0]!.title).toBe('Promote web to staging: 1.2.0');
    expect((await readRemote(url, 'ferry/staging/web', ['envs/staging/web.yaml'])).files.get('envs/staging/web.yaml')).toContain('web:1.2.0');
    // An older build arriving late leaves the newer pending promotion alone.
    const late = await promoteIn(name, { env: 'staging', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.1.5' } });
    expect(late).toMatchObject({ outcome: 'older', pullRequest: { number: pr!.number } });
    expect((await readRemote(url, 'ferry/staging/web', ['envs/staging/web.yaml'])).files.get('envs/staging/web.yaml')).toContain('web:1.2.0');
    world.github.assertNoViolations();
  });

  it('--auto-merge on a clean PR falls back to a REST merge with the sha guard', async () => {
    const { name, url } = await newRepo();
    const result = await promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '2.0.0' }, autoMerge: true });
    expect(result).toMatchObject({ outcome: 'promoted', merge: { mode: 'merged' } });
    const main = await readRemote(url, 'main', ['envs/dev/web.yaml']);
    expect(main.head).toBe(result.mergeSha);
    expect(main.files.get('envs/dev/web.yaml')).toContain('web:2.0.0');
    const graphql = world.github.requests.filter((r) => r.path === '/graphql');
    expect(graphql.length).toBeGreaterThan(0);
    const merges = world.github.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/merge') && r.path.includes(name));
    expect(merges).toHaveLength(1);
    expect(merges[0]!.requestBody).toMatchObject({ sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    world.github.assertNoViolations();
  });

  it('--auto-merge with auto-merge off for the repo merges over REST too', async () => {
    const { name } = await newRepo();
    await world.github.setAllowAutoMerge(name, false);
    const result = await promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '2.0.1' }, autoMerge: true });
    expect(result).toMatchObject({ outcome: 'promoted', merge: { mode: 'merged' } });
  });

  it('arms GraphQL auto-merge when checks are pending and --wait-merged reports the merge sha once they pass', async () => {
    const { name, url } = await newRepo();
    await world.github.setRequiredChecks(name, 'main', ['ci/test']);
    const [owner, repo] = name.split('/') as [string, string];
    const running = promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '3.0.0' }, autoMerge: true, waitMergedMs: 60_000 });
    // Play CI: once the PR is armed for auto-merge, report the check green.
    const deadline = Date.now() + 30_000;
    while (!openPulls(name)[0]?.autoMerge) {
      if (Date.now() > deadline) throw new Error('auto-merge was never armed');
      await new Promise((r) => setTimeout(r, 20));
    }
    const headSha = openPulls(name)[0]!.headSha;
    await fetch(`${world.github.url}/repos/${owner}/${repo}/statuses/${headSha}`, {
      method: 'POST', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', context: 'ci/test' }),
    });
    const result = await running;
    expect(result).toMatchObject({ outcome: 'promoted', merge: { mode: 'auto-merge' } });
    const main = await readRemote(url, 'main', ['envs/dev/web.yaml']);
    expect(result.mergeSha).toBe(main.head);
    expect(main.files.get('envs/dev/web.yaml')).toContain('web:3.0.0');
  });

  it('--wait-merged ends "closed" when someone closes the PR and "timeout" when nobody merges it', async () => {
    const { name } = await newRepo();
    const [owner, repo] = name.split('/') as [string, string];
    const timedOut = await promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '4.0.0' }, waitMergedMs: 200 });
    expect(timedOut.outcome).toBe('timeout');
    const running = promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '4.0.1' }, waitMergedMs: 60_000 });
    const deadline = Date.now() + 30_000;
    while (openPulls(name)[0]?.title !== 'Promote web to dev: 4.0.1') {
      if (Date.now() > deadline) throw new Error('PR never updated');
      await new Promise((r) => setTimeout(r, 20));
    }
    await fetch(`${world.github.url}/repos/${owner}/${repo}/pulls/${openPulls(name)[0]!.number}`, {
      method: 'PATCH', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'closed' }),
    });
    expect((await running).outcome).toBe('closed');
  });

  it('authenticates as a GitHub App (installation found from the repo)', async () => {
    const { name } = await newRepo();
    const result = await promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '5.0.0' } }, { kind: 'app', appId: 4242, privateKey });
    expect(result.outcome).toBe('pull-request');
    expect(openPulls(name)[0]!.user.login).toBe('ferry-test-app[bot]');
    expect(world.github.requests.some((r) => r.path === `/repos/${name}/installation`)).toBe(true);
  });

  it('10 concurrent builds of one app with shuffled versions leave the highest in one open PR', async () => {
    const { name, url } = await newRepo();
    const versions = [4, 9, 1, 7, 10, 3, 6, 2, 8, 5].map((m) => `6.${m}.0`);
    const results = await Promise.all(versions.map((tag) => promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag } })));
    expect(results.every((r) => ['pull-request', 'older'].includes(r.outcome))).toBe(true);
    expect(openPulls(name)).toHaveLength(1);
    expect(openPulls(name)[0]!.title).toBe('Promote web to dev: 6.10.0');
    expect((await readRemote(url, 'ferry/dev/web', ['envs/dev/web.yaml'])).files.get('envs/dev/web.yaml')).toContain('web:6.10.0');
  }, 120_000);

  it('an older build that writes its PR title after a newer build pushed and titled describes the newer one again', async () => {
    const { name, url } = await newRepo();
    await promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '6.1.0' } });
    // The exact interleaving the concurrent test hits by chance: 6.7.0 has pushed its branch commit
    // and is held just before it touches the PR; 6.10.0 then pushes on top and titles the PR.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let held!: () => void;
    const holding = new Promise<void>((resolve) => { held = resolve; });
    const older = promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '6.7.0' }, sourceCommit: 'a'.repeat(40) }, undefined, (host) => ({
      ...host,
      findOpenPullRequest: async (head, base) => { held(); await gate; return host.findOpenPullRequest(head, base); },
    }));
    await holding;
    const newer = await promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '6.10.0' }, sourceCommit: 'b'.repeat(40), buildUrl: 'https://ci.example/610' });
    expect(newer).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'updated' } });
    release();
    expect((await older).outcome).toBe('pull-request');
    const [pr] = openPulls(name);
    expect(pr!.title).toBe('Promote web to dev: 6.10.0');
    expect(pr!.body).toContain('b'.repeat(40));
    expect(pr!.body).toContain('https://ci.example/610');
    expect(pr!.body).not.toContain('a'.repeat(40));
    expect((await readRemote(url, 'ferry/dev/web', ['envs/dev/web.yaml'])).files.get('envs/dev/web.yaml')).toContain('web:6.10.0');
    world.github.assertNoViolations();
  });

  it('retries rate limits and 5xx; when GitHub stays down it fails with nothing half-done', async () => {
    const { name, url } = await newRepo();
    world.github.faults.secondaryRateLimit(2, { retryAfterSeconds: 1 });
    world.github.faults.serverError(2);
    const ok = await promoteIn(name, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '7.0.0' } });
    expect(ok.outcome).toBe('pull-request');
    expect(world.github.requests.filter((r) => r.fault).length).toBeGreaterThanOrEqual(4);

    const { name: other, url: otherUrl } = await newRepo();
    world.github.faults.serverError(1_000);
    const err = await promoteIn(other, { env: 'dev', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '7.0.1' } }).catch((e: unknown) => e);
    world.github.faults.clear();
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toMatch(/^(git|github)\./);
    // The promotion branch it pushed was removed again; main never moved.
    expect((await readRemote(otherUrl, 'ferry/dev/web', [])).head).toBeNull();
    expect(openPulls(other)).toHaveLength(0);
    void url;
  }, 120_000);
});
