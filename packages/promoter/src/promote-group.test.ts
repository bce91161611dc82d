// Group promotions (issue 11 §4): several images of one CI run into one environment as one commit
// or one pull request, all or nothing, against real git http-backend and the GitHub stand-in.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecretsInWorld, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { readPromotionRecordSet } from './core/promotion-trailers.js';
import { openGitHistory } from './history/git-history.js';
import { readEnvironmentStatus } from './history/read-status.js';
import { rollback } from './history/rollback.js';
import { promote } from './promote.js';
import { promoteGroup, type GroupImage, type PromoteGroupOptions } from './promote-group.js';
import { fastRetry, readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

const APPS = ['web', 'api', 'worker'];
const image = (app: string, tag: string): GroupImage => ({ image: { name: `ghcr.io/acme/${app}`, tag } });
const files = (env: string) => APPS.map((a) => `envs/${env}/${a}.yaml`);

/** The seed with a hold on one app in one environment. */
function seedWithHold(app: string, env: string): Record<string, string> {
  const seed = seedConfigRepo(APPS);
  const line = `        files: [envs/${env}/${app}.yaml]\n`;
  seed['ferry.yaml'] = seed['ferry.yaml']!.replace(line, `${line}        hold: { reason: "INC-7 api is broken", by: oncall }\n`);
  return seed;
}

describe('promoteGroup', () => {
  let world: EmulatorWorld;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TEST_GITHUB_TOKEN], validate: true });
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
  });

  async function newRepo(seed = seedConfigRepo(APPS)): Promise<{ name: string; url: string }> {
    const name = `acme/group${n++}`;
    const { url } = await world.git.createRepo(name, { seed });
    return { name, url };
  }

  async function connect(name: string) {
    const [owner, repoName] = name.split('/') as [string, string];
    const { host, gitAuth } = await connectGitHub({ owner, repo: repoName, auth: { kind: 'token', token: TEST_GITHUB_TOKEN }, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5, maxRetries: 3 } });
    const auth = await gitAuth();
    return { host, auth, repo: await openGitWorkspace({ url: world.git.repoUrl(name), auth }) };
  }

  async function groupIn(name: string, options: Partial<PromoteGroupOptions> & { env: string; images: GroupImage[] }) {
    const { host, repo } = await connect(name);
    try {
      return await promoteGroup({ repo, host, push: 'direct', clock: realClock, retry: fastRetry, pollMs: 20, ...options });
    } finally {
      await repo.close();
    }
  }

  const openPulls = (name: string) => [...world.github.state.repos.get(name)?.pulls.values() ?? []].filter((p) => p.state === 'open');

  it('--push direct: three apps land as one commit with per-app trailers; status and rollback read each app from it', async () => {
    const { name, url } = await newRepo();
    const before = (await readRemote(url, 'main', [])).head!;
    const result = await groupIn(name, {
      env: 'dev', images: [image('web', '1.1.0'), image('api', '2.0.0'), { app: 'worker', image: { name: 'ghcr.io/acme/worker', tag: '3.0.0' } }],
      sourceCommit: 'abc1234', buildUrl: 'https://ci.example/run/9', buildTime: '2026-01-02T03:04:05Z',
    });
    expect(result).toMatchObject({ outcome: 'promoted', changed: true, group: APPS, push: 'direct', branch: 'main' });
    expect(result.apps.map((a) => [a.app, a.outcome, a.image])).toEqual([
      ['web', 'promoted', 'ghcr.io/acme/web:1.1.0'], ['api', 'promoted', 'ghcr.io/acme/api:2.0.0'], ['worker', 'promoted', 'ghcr.io/acme/worker:3.0.0'],
    ]);
    const after = await readRemote(url, 'main', files('dev'));
    expect(after.head).toBe(result.commit);
    expect(after.files.get('envs/dev/web.yaml')).toContain('ghcr.io/acme/web:1.1.0');
    expect(after.files.get('envs/dev/api.yaml')).toContain('ghcr.io/acme/api:2.0.0');
    expect(after.files.get('envs/dev/worker.yaml')).toContain('ghcr.io/acme/worker:3.0.0');
    expect(after.files.get('envs/dev/web.yaml')).toContain('# keep this comment');

    const { repo, auth } = await connect(name);
    const history = await openGitHistory({ url: world.git.repoUrl(name), auth });
    try {
      // Exactly one commit on top of the seed, whose trailers read back as three records.
      const log = await repo.readHistory('main', after.head!, 5);
      expect(log[1]!.oid).toBe(before);
      expect(log[0]!.message.split('\n')[0]).toBe('promote web, api, worker to dev');
      const records = readPromotionRecordSet(log[0]!.message)!;
      expect(records.map((r) => [r.app, r.env, r.image, r.buildTime, r.sourceCommit])).toEqual([
        ['web', 'dev', 'ghcr.io/acme/web:1.1.0', '2026-01-02T03:04:05Z', 'abc1234'],
        ['api', 'dev', 'ghcr.io/acme/api:2.0.0', '2026-01-02T03:04:05Z', 'abc1234'],
        ['worker', 'dev', 'ghcr.io/acme/worker:3.0.0', '2026-01-02T03:04:05Z', 'abc1234'],
      ]);

      // ferry status: every app's last promotion is the group commit.
      const status = await readEnvironmentStatus({ history, env: 'dev', defaultBranch: 'main' });
      for (const app of APPS) expect(status.apps.find((a) => a.app === app)?.promoted?.commit, app).toBe(result.commit);

      // A newer build of api alone, then rollback of api: back to the group's 2.0.0; web and worker untouched.
      expect((await promote({ repo, push: 'direct', clock: realClock, retry: fastRetry, env: 'dev', app: 'api', image: { name: 'ghcr.io/acme/api', tag: '2.1.0' } })).outcome).toBe('promoted');
      const rolled = await rollback({ repo, history, push: 'direct', env: 'dev', app: 'api', reason: 'INC-1', by: 'alice', now: () => new Date('2026-01-03T00:00:00Z'), clock: realClock, retry: fastRetry });
      expect(rolled.rollback.to).toMatchObject({ commit: result.commit, version: { tag: '2.0.0' } });
      const end = await readRemote(url, 'main', files('dev'));
      expect(end.files.get('envs/dev/api.yaml')).toContain('ghcr.io/acme/api:2.0.0');
      expect(end.files.get('envs/dev/web.yaml')).toContain('ghcr.io/acme/web:1.1.0');
      expect(end.files.get('envs/dev/worker.yaml')).toContain('ghcr.io/acme/worker:3.0.0');

      // The same group again: nothing to do, nothing pushed.
      const again = await promoteGroup({ repo, push: 'direct', clock: realClock, retry: fastRetry, env: 'dev', images: [image('web', '1.1.0'), image('worker', '3.0.0')] });
      expect(again).toMatchObject({ outcome: 'unchanged', changed: false });
      expect((await readRemote(url, 'main', [])).head).toBe(end.head);
    } finally {
      await history.close();
      await repo.close();
    }
  });

  it('order: build-time reads each app\'s build time from a group commit: a late single-app build is older, a late group lands only what is newer', async () => {
    const seed = seedConfigRepo(APPS);
    seed['ferry.yaml'] = seed['ferry.yaml']!.replace(/( {4}image: ghcr\.io\/acme\/(?:web|api)\n)/g, '$1    order: build-time\n');
    const { name, url } = await newRepo(seed);
    const first = await groupIn(name, { env: 'dev', images: [image('web', 'sha-bbbb'), image('api', 'sha-bbbb')], buildTime: '2026-02-01T12:00:00Z' });
    expect(first.outcome).toBe('promoted');
    const { repo } = await connect(name);
    try {
      const late = await promote({ repo, push: 'direct', clock: realClock, retry: fastRetry, env: 'dev', app: 'api', image: { name: 'ghcr.io/acme/api', tag: 'sha-aaaa' }, buildTime: '2026-02-01T11:00:00Z' });
      expect(late.outcome).toBe('older');
      expect(late.message).toContain('older than');
    } finally {
      await repo.close();
    }
    // A later run with a new web build and the api build already in place: web lands, api is left out.
    const mixed = await groupIn(name, { env: 'dev', images: [image('web', 'sha-cccc'), image('api', 'sha-bbbb')], buildTime: '2026-02-01T13:00:00Z' });
    expect(mixed.apps.map((a) => [a.app, a.outcome])).toEqual([['web', 'promoted'], ['api', 'unchanged']]);
    expect(readPromotionRecordSet(await readCommitMessageOf(url, mixed.commit!))?.map((r) => r.app)).toEqual(['web']);
    const late2 = await groupIn(name, { env: 'dev', images: [image('web', 'sha-dddd'), image('api', 'sha-dddd')], buildTime: '2026-02-01T11:30:00Z' });
    expect(late2).toMatchObject({ outcome: 'older', changed: false });
    const main = await readRemote(url, 'main', files('dev'));
    expect(main.files.get('envs/dev/web.yaml')).toContain('ghcr.io/acme/web:sha-cccc');
    expect(main.files.get('envs/dev/api.yaml')).toContain('ghcr.io/acme/api:sha-bbbb');
  });

  it('one app on hold refuses the whole group: nothing pushed, the result names the held app', async () => {
    const { name, url } = await newRepo(seedWithHold('api', 'staging'));
    const before = (await readRemote(url, 'main', [])).head;
    for (const push of ['direct', 'pr'] as const) {
      const result = await groupIn(name, { env: 'staging', push, images: [image('web', '1.1.0'), image('api', '2.0.0'), image('worker', '3.0.0')] });
      expect(result).toMatchObject({ outcome: 'refused', changed: false, reason: 'hold', refusedApps: ['api'] });
      expect(result.message).toContain('api: promotion is on hold by oncall: INC-7 api is broken');
      expect(result.apps.map((a) => [a.app, a.outcome])).toEqual([['web', 'blocked'], ['api', 'refused'], ['worker', 'blocked']]);
      expect(result.commit).toBeUndefined();
    }
    expect((await readRemote(url, 'main', [])).head).toBe(before);
    expect((await readRemote(url, groupBranch('staging'), [])).head).toBeNull();
    expect(openPulls(name)).toHaveLength(0);
  });

  it('--push pr: one pull request listing every app; a newer build of the group updates it, keeping the newest per app', async () => {
    const { name, url } = await newRepo();
    const first = await groupIn(name, { env: 'staging', push: 'pr', images: [image('web', '1.1.0'), image('api', '2.0.0'), image('worker', '3.0.0')], buildUrl: 'https://ci.example/run/1' });
    expect(first).toMatchObject({ outcome: 'pull-request', changed: true, branch: groupBranch('staging'), pullRequest: { action: 'created' } });
    const [pr] = openPulls(name);
    expect(pr).toMatchObject({ headRef: first.branch, baseRef: 'main', title: 'Promote web 1.1.0, api 2.0.0, worker 3.0.0 to staging', labels: ['promotion', 'staging'] });
    for (const app of APPS) expect(pr!.body).toContain(`| **${app}** |`);
    expect(pr!.body).toContain('<!-- ferry:promotion env=staging group=api,web,worker -->');
    expect((await readRemote(url, 'main', ['envs/staging/web.yaml'])).files.get('envs/staging/web.yaml')).toContain('web:1.0.0');

    // The next run of the group (web newer, api older than pending, worker the same): one PR, updated, newest per app.
    const second = await groupIn(name, { env: 'staging', push: 'pr', images: [image('worker', '3.0.0'), image('web', '1.2.0'), image('api', '1.9.0')] });
    expect(second).toMatchObject({ outcome: 'pull-request', branch: first.branch, pullRequest: { number: pr!.number, action: 'updated' } });
    expect(second.apps.find((a) => a.app === 'api')).toMatchObject({ keptPending: true, image: 'ghcr.io/acme/api:2.0.0' });
    expect(openPulls(name)).toHaveLength(1);
    const branch = await readRemote(url, first.branch, files('staging'));
    expect(branch.files.get('envs/staging/web.yaml')).toContain('web:1.2.0');
    expect(branch.files.get('envs/staging/api.yaml')).toContain('api:2.0.0');
    expect(branch.files.get('envs/staging/worker.yaml')).toContain('worker:3.0.0');
    expect(openPulls(name)[0]!.title).toBe('Promote worker 3.0.0, web 1.2.0, api 2.0.0 to staging');

    // A run with nothing newer than what is pending is "older" and leaves the branch alone.
    const late = await groupIn(name, { env: 'staging', push: 'pr', images: [image('web', '1.1.5'), image('api', '1.9.9'), image('worker', '3.0.0')] });
    expect(late).toMatchObject({ outcome: 'older', changed: false, pullRequest: { number: pr!.number } });
    expect((await readRemote(url, first.branch, [])).head).toBe(branch.head);

    // --auto-merge: the whole group lands on main in one merge.
    const merged = await groupIn(name, { env: 'staging', push: 'pr', autoMerge: true, images: [image('web', '1.3.0'), image('api', '2.0.0'), image('worker', '3.0.0')] });
    expect(merged).toMatchObject({ outcome: 'promoted', merge: { mode: 'merged' } });
    const main = await readRemote(url, 'main', files('staging'));
    expect(main.head).toBe(merged.mergeSha);
    expect([...main.files.values()].map((t) => /image: (\S+)/.exec(t ?? '')?.[1])).toEqual(['ghcr.io/acme/web:1.3.0', 'ghcr.io/acme/api:2.0.0', 'ghcr.io/acme/worker:3.0.0']);
    world.github.assertNoViolations();
  });

  it('a group pull request made pointless (the environment got every version or a newer one) is closed with a comment and its branch deleted', async () => {
    const { name, url } = await newRepo();
    const images = [image('web', '1.1.0'), image('api', '2.0.0'), image('worker', '3.0.0')];
    const opened = await groupIn(name, { env: 'staging', push: 'pr', images });
    const number = opened.pullRequest!.number;
    expect((await groupIn(name, { env: 'staging', push: 'direct', images: [image('web', '1.1.0')] })).outcome).toBe('promoted');
    // web is on main now, but api and worker are still pending: the pull request stays.
    const stays = await groupIn(name, { env: 'staging', push: 'pr', images });
    expect(stays).toMatchObject({ outcome: 'unchanged', pullRequest: { number } });
    expect(stays.closedPullRequest).toBeUndefined();
    // Meanwhile single-app promotions land the same web and worker, and a newer api, straight on main.
    for (const [app, tag] of [['api', '2.1.0'], ['worker', '3.0.0']] as const) {
      expect((await groupIn(name, { env: 'staging', push: 'direct', images: [image(app, tag)] })).outcome).toBe('promoted');
    }
    // The same group built again finds nothing newer to promote, and its pull request pointless.
    const again = await groupIn(name, { env: 'staging', push: 'pr', images });
    expect(again).toMatchObject({ outcome: 'older', closedPullRequest: expect.objectContaining({ number, branchDeleted: true }) });
    expect(again.message).toContain('already holds every version the group');
    const pr = [...world.github.state.repos.get(name)!.pulls.values()].find((p) => p.number === number)!;
    expect(pr).toMatchObject({ state: 'closed', merged: false });
    expect(pr.comments.map((c) => c.body).join('\n')).toContain('Closed by Ferry: this pull request has nothing left to promote.');
    expect((await readRemote(url, groupBranch('staging'), [])).head).toBeNull();
    world.github.assertNoViolations();
  });

  it('a group branch holding another commit is left alone (refused.branch-taken)', async () => {
    const { name, url } = await newRepo();
    const { repo } = await connect(name);
    try {
      const head = (await repo.fetchBranch('main'))!;
      const commit = await repo.writeCommit({ parent: head, files: [{ path: 'envs/staging/web.yaml', content: 'human\n' }], message: 'a human commit\n' });
      expect(await repo.pushBranch({ branch: groupBranch('staging'), commit, expected: null })).toBe('pushed');
      await expect(groupIn(name, { env: 'staging', push: 'pr', images: [image('web', '1.1.0'), image('api', '2.0.0'), image('worker', '3.0.0')] }))
        .rejects.toMatchObject({ code: 'refused.branch-taken' });
      expect((await readRemote(url, groupBranch('staging'), [])).head).toBe(commit);
    } finally {
      await repo.close();
    }
  });

  /** Group A (older web, newer api), group B (newer web, older api), and one single-app run per app, all at once. */
  function raceGroupsAndSingles(name: string, env: string, push: 'direct' | 'pr'): Promise<unknown[]> {
    return Promise.all([
      groupIn(name, { env, push, images: [image('web', '1.1.0'), image('api', '2.3.0'), image('worker', '3.1.0')] }),
      groupIn(name, { env, push, images: [image('web', '1.3.0'), image('api', '2.1.0'), image('worker', '3.0.5')] }),
      ...[['web', '1.2.0'], ['api', '2.2.0'], ['worker', '3.2.0']].map(async ([app, tag]) => {
        const { host, repo } = await connect(name);
        try {
          return await promote({ repo, host, push, clock: realClock, retry: fastRetry, env, app: app!, image: { name: `ghcr.io/acme/${app}`, tag: tag! } });
        } finally {
          await repo.close();
        }
      }),
    ]);
  }

  it('--push direct: concurrent group and single-app promotions converge on main, the newest build per app wins', async () => {
    const { name, url } = await newRepo();
    await raceGroupsAndSingles(name, 'dev', 'direct');
    const main = await readRemote(url, 'main', files('dev'));
    expect(main.files.get('envs/dev/web.yaml')).toContain('ghcr.io/acme/web:1.3.0');
    expect(main.files.get('envs/dev/api.yaml')).toContain('ghcr.io/acme/api:2.3.0');
    expect(main.files.get('envs/dev/worker.yaml')).toContain('ghcr.io/acme/worker:3.2.0');
  });

  it('--push pr: concurrent runs of a group converge on one pull request holding the newest build per app; single-app PRs stay their own', async () => {
    const { name, url } = await newRepo();
    await raceGroupsAndSingles(name, 'dev', 'pr');
    const group = await readRemote(url, groupBranch('dev'), files('dev'));
    expect(group.files.get('envs/dev/web.yaml')).toContain('ghcr.io/acme/web:1.3.0');
    expect(group.files.get('envs/dev/api.yaml')).toContain('ghcr.io/acme/api:2.3.0');
    expect(group.files.get('envs/dev/worker.yaml')).toContain('ghcr.io/acme/worker:3.1.0');
    expect(openPulls(name).map((p) => p.headRef).sort()).toEqual([groupBranch('dev'), 'ferry/dev/api', 'ferry/dev/web', 'ferry/dev/worker'].sort());
    expect(openPulls(name).find((p) => p.headRef === groupBranch('dev'))!.title).toBe('Promote web 1.3.0, api 2.3.0, worker 3.1.0 to dev');
    world.github.assertNoViolations();
  });
});

async function readCommitMessageOf(url: string, commit: string): Promise<string> {
  const ws = await openGitWorkspace({ url });
  try {
    await ws.fetchBranch('main');
    return await ws.readCommitMessage(commit);
  } finally {
    await ws.close();
  }
}

function groupBranch(env: string): string {
  // The branch of the group {web, api, worker} (any order), as formatGroupBranch names it.
  return `ferry/${env}/group+${GROUP_HASH}`;
}

// sha256("group\0api,web,worker").slice(0, 12), computed independently of formatGroupBranch.
const GROUP_HASH = createHash('sha256').update('group\u0000api,web,worker').digest('hex').slice(0, 12);
