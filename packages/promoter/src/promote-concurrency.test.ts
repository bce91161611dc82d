// Concurrency at scale: 50 promotions of 50 different apps into one config repo at the same
// moment, against real git http-backend (receive-pack's compare-and-swap decides who wins each
// round) and the GitHub stand-in. With production retry settings, every one must land.
//
// In one Node process the 50 writers share one CPU thread, which 50 CI jobs would not: the direct
// run takes about 4-5 minutes on 2 cores (~900 attempts, at most 31 rejections of the 100 allowed),
// the PR run about 35 s. `npm run test:scale` runs just this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecretsInWorld, runGit, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { promote, type PromoteOptions, type PromoteResult } from './promote.js';
import { readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

const WRITERS = 50;
const apps = Array.from({ length: WRITERS }, (_, i) => `svc${String(i).padStart(2, '0')}`);
const tagOf = (i: number) => `2.${i}.0`;

/** Attempt counts and wall time, printed so regressions in retry behaviour are visible in CI logs. */
function summarise(label: string, results: PromoteResult[], ms: number): string {
  const attempts = results.map((r) => r.attempts).sort((a, b) => a - b);
  const total = attempts.reduce((n, a) => n + a, 0);
  return `${label}: ${results.length} writers in ${(ms / 1000).toFixed(1)} s, ${total} attempts (median ${attempts[attempts.length >> 1]}, max ${attempts.at(-1)}), ${attempts.filter((a) => a > 1).length} retried`;
}

describe(`${WRITERS} concurrent promotions into one repo`, () => {
  let world: EmulatorWorld;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TEST_GITHUB_TOKEN] });
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
  });

  async function promoteOne(name: string, app: string, i: number, options: Partial<PromoteOptions>): Promise<PromoteResult> {
    const repo = await openGitWorkspace({ url: world.git.repoUrl(name) });
    try {
      // Production retry policy (conflicts 100, backoff 100 ms doubling to 3 s with jitter).
      return await promote({ repo, clock: realClock, env: 'dev', app, image: { name: `ghcr.io/acme/${app}`, tag: tagOf(i) }, sourceCommit: `${i}`.padStart(40, 'a'), ...options });
    } finally {
      await repo.close();
    }
  }

  it('--push direct: all 50 land on main, one promotion commit each, nothing lost', async () => {
    const name = 'acme/fifty-direct';
    const { url } = await world.git.createRepo(name, { seed: seedConfigRepo(apps) });
    const before = (await readRemote(url, 'main', [])).head!;
    const started = Date.now();
    const results = await Promise.all(apps.map((app, i) => promoteOne(name, app, i, { push: 'direct' })));
    console.log(summarise('--push direct', results, Date.now() - started));

    expect(results.map((r) => r.outcome)).toEqual(apps.map(() => 'promoted'));
    // Pushes really collided: receive-pack refused stale compare-and-swaps and writers re-applied.
    expect(results.some((r) => r.attempts > 1)).toBe(true);
    const { files } = await readRemote(url, 'main', apps.flatMap((a) => [`envs/dev/${a}.yaml`, `envs/staging/${a}.yaml`]));
    apps.forEach((app, i) => {
      expect(files.get(`envs/dev/${app}.yaml`), app).toContain(`image: ghcr.io/acme/${app}:${tagOf(i)}`);
      expect(files.get(`envs/dev/${app}.yaml`), app).toContain('# keep this comment');
      expect(files.get(`envs/staging/${app}.yaml`), app).toContain(`${app}:1.0.0`);
    });
    // Linear history on top of the seed: exactly one promotion commit per app, each the commit its writer reported.
    const log = await runGit(['--git-dir', world.git.repoPath(name), 'log', '--format=%H %(trailers:key=Ferry-App,valueonly,separator=)', `${before}..main`]);
    const commits = log.stdout.trim().split('\n').map((line) => line.split(' ') as [string, string]);
    expect(commits).toHaveLength(WRITERS);
    expect(commits.map(([, app]) => app).sort()).toEqual(apps);
    expect(new Set(commits.map(([sha]) => sha))).toEqual(new Set(results.map((r) => r.commit)));
    const merges = await runGit(['--git-dir', world.git.repoPath(name), 'rev-list', '--merges', '--count', `${before}..main`]);
    expect(merges.stdout.trim()).toBe('0');
  }, 600_000);

  it('--push pr: 50 apps get 50 pull requests whose heads hold their versions, main untouched', async () => {
    const name = 'acme/fifty-pr';
    const { url } = await world.git.createRepo(name, { seed: seedConfigRepo(apps) });
    const before = (await readRemote(url, 'main', [])).head!;
    const [owner, repoName] = name.split('/') as [string, string];
    const started = Date.now();
    const results = await Promise.all(apps.map(async (app, i) => {
      // One connection per writer, as 50 separate CI jobs would have.
      const { host } = await connectGitHub({ owner, repo: repoName, auth: { kind: 'token', token: TEST_GITHUB_TOKEN }, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5 } });
      return promoteOne(name, app, i, { push: 'pr', host });
    }));
    console.log(summarise('--push pr', results, Date.now() - started));

    expect(results.map((r) => r.outcome)).toEqual(apps.map(() => 'pull-request'));
    const pulls = world.github.state.repos.get(name)!.pulls.filter((p) => p.state === 'open');
    expect(pulls).toHaveLength(WRITERS);
    expect(pulls.map((p) => p.headRef).sort()).toEqual(apps.map((a) => `ferry/dev/${a}`));
    expect(new Set(results.map((r) => r.pullRequest?.number)).size).toBe(WRITERS);
    const git = (...args: string[]) => runGit(['--git-dir', world.git.repoPath(name), ...args]);
    for (const [i, app] of apps.entries()) {
      const pr = pulls.find((p) => p.headRef === `ferry/dev/${app}`)!;
      expect(pr.title).toBe(`Promote ${app} to dev: ${tagOf(i)}`);
      expect((await git('rev-parse', `ferry/dev/${app}`)).stdout.trim()).toBe(results[i]!.commit);
      expect((await git('show', `ferry/dev/${app}:envs/dev/${app}.yaml`)).stdout, app).toContain(`ghcr.io/acme/${app}:${tagOf(i)}`);
      // Each branch is main plus its own app's change only.
      expect((await git('diff', '--name-only', before, `ferry/dev/${app}`)).stdout.trim(), app).toBe(`envs/dev/${app}.yaml`);
    }
    expect((await readRemote(url, 'main', [])).head).toBe(before);
  }, 600_000);
});
