// Section 4 of issue 11: a promotion pull request that became pointless (its environment already
// holds that version or a newer one) is closed with a comment saying why, and its branch deleted.
// Real git http-backend and the GitHub stand-in (validated against GitHub's OpenAPI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecretsInWorld, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { promote, type PromoteOptions } from './promote.js';
import { fastRetry, readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

const TOKEN = TEST_GITHUB_TOKEN;

describe('promote closes a promotion pull request that became pointless', () => {
  let world: EmulatorWorld;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN] });
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
  });

  async function newRepo(apps = ['web']): Promise<string> {
    const name = `acme/pointless${n++}`;
    await world.git.createRepo(name, { seed: seedConfigRepo(apps) });
    return name;
  }

  async function promoteIn(name: string, tag: string, options: Partial<PromoteOptions> = {}, app = 'web') {
    const [owner, repoName] = name.split('/') as [string, string];
    const { host, gitAuth } = await connectGitHub({ owner, repo: repoName, auth: { kind: 'token', token: TOKEN }, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5, maxRetries: 3 } });
    const repo = await openGitWorkspace({ url: world.git.repoUrl(name), auth: await gitAuth() });
    try {
      return await promote({ repo, host, push: 'pr', env: 'staging', app, image: { name: `ghcr.io/acme/${app}`, tag }, clock: realClock, retry: fastRetry, ...options });
    } finally {
      await repo.close();
    }
  }

  const pull = (name: string, number: number) => world.github.state.repos.get(name)!.pulls.find((p) => p.number === number)!;
  const branchHead = async (name: string) => (await readRemote(world.git.repoUrl(name), 'ferry/staging/web', [])).head;

  it('the environment moved past the pending version: the PR is closed with a comment, its branch deleted', async () => {
    const name = await newRepo();
    const opened = await promoteIn(name, '1.1.0');
    expect(opened).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'created' } });
    const number = opened.pullRequest!.number;
    // A newer build went straight to the branch (a hotfix), so 1.1.0's pull request has nothing left to do.
    expect(await promoteIn(name, '1.2.0', { push: 'direct' })).toMatchObject({ outcome: 'promoted' });
    expect(pull(name, number).state).toBe('open');

    // The next promotion run of web to staging (here, CI re-running 1.2.0) sees it and tidies up.
    const rerun = await promoteIn(name, '1.2.0');
    expect(rerun).toMatchObject({
      outcome: 'unchanged', changed: false,
      closedPullRequests: [{ reason: 'superseded', number, branch: 'ferry/staging/web', pending: { tag: '1.1.0' }, holds: [{ tag: '1.2.0' }], branchDeleted: true, dryRun: false }],
    });
    expect(rerun.message).toMatch(/is already at 1\.2\.0; nothing to do; closed pull request #\d+ \(main already holds 1\.2\.0 for web in staging, newer than 1\.1\.0\) and deleted ferry\/staging\/web$/);
    expect(pull(name, number)).toMatchObject({ state: 'closed', merged: false });
    expect(pull(name, number).comments.map((c) => c.body)).toEqual([expect.stringMatching(/^Closed by Ferry: this pull request has nothing left to promote\. main already holds 1\.2\.0 for web in staging, newer than 1\.1\.0 \(commit `[0-9a-f]{12}`\)\./)]);
    expect(await branchHead(name)).toBeNull();
    // Nothing else moved: main still holds 1.2.0.
    expect((await readRemote(world.git.repoUrl(name), 'main', ['envs/staging/web.yaml'])).files.get('envs/staging/web.yaml')).toContain('web:1.2.0');
    world.github.assertNoViolations();
  });

  it('the same version landed: a late older build (exit 4) closes it too; a dry run only says so', async () => {
    const name = await newRepo();
    const number = (await promoteIn(name, '1.3.0')).pullRequest!.number;
    expect(await promoteIn(name, '1.3.0', { push: 'direct' })).toMatchObject({ outcome: 'promoted' });
    const dry = await promoteIn(name, '1.2.9', { dryRun: true });
    expect(dry).toMatchObject({ outcome: 'older', closedPullRequests: [{ number, dryRun: true, branchDeleted: false }] });
    expect(dry.closedPullRequests![0]!.message).toBe(`would close pull request #${number} and delete ferry/staging/web: main already holds 1.3.0 for web in staging`);
    expect(pull(name, number).state).toBe('open');
    expect(await branchHead(name)).not.toBeNull();

    const late = await promoteIn(name, '1.2.9');
    expect(late).toMatchObject({ outcome: 'older', closedPullRequests: [{ number, pending: { tag: '1.3.0' }, branchDeleted: true }] });
    expect(pull(name, number).state).toBe('closed');
    expect(pull(name, number).comments).toHaveLength(1);
    expect(await branchHead(name)).toBeNull();
    world.github.assertNoViolations();
  });

  it('a pending version newer than the environment is left open, its branch kept', async () => {
    const name = await newRepo();
    expect(await promoteIn(name, '1.2.0', { push: 'direct' })).toMatchObject({ outcome: 'promoted' });
    const number = (await promoteIn(name, '1.4.0')).pullRequest!.number;
    const head = await branchHead(name);
    const again = await promoteIn(name, '1.2.0');
    expect(again.outcome).toBe('unchanged');
    expect(again.closedPullRequests).toBeUndefined();
    expect(pull(name, number)).toMatchObject({ state: 'open', comments: [] });
    expect(await branchHead(name)).toBe(head);
    world.github.assertNoViolations();
  });

  it('an app removed from ferry.yaml: its open promotion PR is closed by the next pull request run of that environment', async () => {
    const name = await newRepo(['web', 'api']);
    const apiPr = (await promoteIn(name, '2.0.0', {}, 'api')).pullRequest!.number;
    const webPr = (await promoteIn(name, '1.1.0')).pullRequest!.number;
    const seed = seedConfigRepo(['web']);
    await world.pushFiles(name, 'main', { 'ferry.yaml': seed['ferry.yaml']! }, { message: 'remove api' });

    const dry = await promoteIn(name, '1.2.0', { dryRun: true });
    expect(dry.closedPullRequests).toEqual([expect.objectContaining({ reason: 'app-removed', number: apiPr, dryRun: true, branchDeleted: false })]);
    expect(pull(name, apiPr).state).toBe('open');

    const run = await promoteIn(name, '1.2.0');
    expect(run).toMatchObject({ outcome: 'pull-request', pullRequest: { number: webPr, action: 'updated' } });
    expect(run.closedPullRequests).toEqual([expect.objectContaining({ reason: 'app-removed', number: apiPr, branch: 'ferry/staging/api', pending: { tag: '2.0.0' }, branchDeleted: true })]);
    expect(run.message).toContain(`closed pull request #${apiPr} (app api is no longer in ferry.yaml) and deleted ferry/staging/api`);
    expect(pull(name, apiPr)).toMatchObject({ state: 'closed', merged: false });
    expect(pull(name, apiPr).comments.map((c) => c.body)).toEqual([expect.stringMatching(/^Closed by Ferry: app api is no longer in ferry\.yaml \(main at `[0-9a-f]{12}`\), so this promotion has nowhere to go\./)]);
    expect((await readRemote(world.git.repoUrl(name), 'ferry/staging/api', [])).head).toBeNull();
    expect(pull(name, webPr).state).toBe('open');
    world.github.assertNoViolations();
  });
});
