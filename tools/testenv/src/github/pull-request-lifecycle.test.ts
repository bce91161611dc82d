// A whole promotion PR lifecycle driven by Octokit itself against the emulator, with every
// exchange validated against GitHub's OpenAPI description and GraphQL schema.
import { graphql } from '@octokit/graphql';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../git-server/run-git.js';
import { startEmulatorWorld, type EmulatorWorld } from './emulator-test-kit.js';

// Native git runs and first-time schema compiles share two cores with the whole suite: a ceiling, not a timing.
const SLOW_MACHINE_TIMEOUT_MS = 120_000;

const REPO = 'acme/config';
let world: EmulatorWorld;
let octokit: Octokit;
let gql: typeof graphql;

async function showCommit(sha: string): Promise<{ parents: string[]; files: string }> {
  const dir = `${world.git.root}/${REPO}.git`;
  const parents = (await runGit(['--git-dir', dir, 'show', '-s', '--format=%P', sha])).stdout.trim().split(' ').filter(Boolean);
  const files = (await runGit(['--git-dir', dir, 'show', `${sha}:apps/web.yaml`])).stdout;
  return { parents, files };
}

async function showCommitFile(sha: string, path: string): Promise<string> {
  return (await runGit(['--git-dir', `${world.git.root}/${REPO}.git`, 'show', `${sha}:${path}`])).stdout;
}

async function expectRequestError(p: Promise<unknown>, status: number): Promise<{ message: string; response: { data: unknown; headers: Record<string, string> } }> {
  const error = await p.then(() => null, (e: unknown) => e);
  expect(error, 'request should fail').toBeTruthy();
  expect((error as { status: number }).status).toBe(status);
  return error as { message: string; response: { data: unknown; headers: Record<string, string> } };
}

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: ['pat-1'] });
  await world.git.createRepo(REPO, { seed: { 'apps/web.yaml': 'image: acme/web:1.0.0\n', 'apps/api.yaml': 'image: acme/api:1.0.0\n' } });
  octokit = new Octokit({ auth: 'pat-1', baseUrl: world.github.url });
  gql = graphql.defaults({ baseUrl: world.github.url, headers: { authorization: 'token pat-1' } });
});

afterAll(async () => {
  await world?.close();
});

describe('pull request lifecycle through Octokit', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('creates, labels, requests review, arms auto-merge and merges on a green required check', async () => {
    const { data: repo } = await octokit.repos.get({ owner: 'acme', repo: 'config' });
    expect(repo.default_branch).toBe('main');
    expect(repo.clone_url).toBe(world.git.repoUrl(REPO));
    const { data: mainRef } = await octokit.git.getRef({ owner: 'acme', repo: 'config', ref: 'heads/main' });

    const headSha = await world.pushFiles(REPO, 'ferry/web', { 'apps/web.yaml': 'image: acme/web:1.1.0\n' });
    const { data: file } = await octokit.repos.getContent({ owner: 'acme', repo: 'config', path: 'apps/web.yaml', ref: 'ferry/web' });
    expect(Buffer.from((file as { content: string }).content, 'base64').toString()).toBe('image: acme/web:1.1.0\n');

    const { data: pr } = await octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'web 1.1.0', head: 'ferry/web', base: 'main', body: 'promote' });
    expect(pr.head.sha).toBe(headSha);
    expect(pr.base.sha).toBe(mainRef.object.sha);
    expect(pr.mergeable_state).toBe('clean');

    const dup = await expectRequestError(octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'again', head: 'ferry/web', base: 'main' }), 422);
    expect(JSON.stringify(dup.response.data)).toContain('A pull request already exists for acme:ferry/web.');

    await world.pushFiles(REPO, 'ferry/api', { 'apps/api.yaml': 'image: acme/api:2.0.0\n' });
    await octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'api 2.0.0', head: 'ferry/api', base: 'main' });
    const byOwnerBranch = await octokit.pulls.list({ owner: 'acme', repo: 'config', head: 'acme:ferry/web', state: 'open' });
    expect(byOwnerBranch.data.map((p) => p.number)).toEqual([pr.number]);
    const byBareBranch = await octokit.pulls.list({ owner: 'acme', repo: 'config', head: 'ferry/web', state: 'open' });
    expect(byBareBranch.data).toHaveLength(2); // GitHub ignores a head filter without "owner:"

    const { data: labels } = await octokit.issues.addLabels({ owner: 'acme', repo: 'config', issue_number: pr.number, labels: ['ferry', 'env:prod'] });
    expect(labels.map((l) => l.name)).toEqual(['ferry', 'env:prod']);
    const { data: reviewed } = await octokit.pulls.requestReviewers({ owner: 'acme', repo: 'config', pull_number: pr.number, reviewers: ['alice'], team_reviewers: ['platform'] });
    expect(reviewed.requested_reviewers?.map((u) => u.login)).toEqual(['alice']);
    const { data: comment } = await octokit.issues.createComment({ owner: 'acme', repo: 'config', issue_number: pr.number, body: 'superseded #0' });
    expect(comment.user?.login).toBe('ferry-bot');

    await world.github.setRequiredChecks(REPO, 'main', ['ci/build']);
    const { data: blocked } = await octokit.pulls.get({ owner: 'acme', repo: 'config', pull_number: pr.number });
    expect(blocked.mergeable).toBe(true);
    expect(blocked.mergeable_state).toBe('blocked');
    expect(blocked.comments).toBe(1);
    expect(blocked.labels.map((l) => l.name)).toEqual(['ferry', 'env:prod']);
    const notYet = await expectRequestError(octokit.pulls.merge({ owner: 'acme', repo: 'config', pull_number: pr.number, sha: headSha }), 405);
    expect(notYet.message).toContain('Required status check "ci/build" is expected.');

    const { repository } = await gql<{ repository: { pullRequest: { id: string; autoMergeRequest: unknown } } }>(
      'query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $number) { id autoMergeRequest { enabledAt } } } }',
      { owner: 'acme', name: 'config', number: pr.number },
    );
    expect(repository.pullRequest.id).toBe(pr.node_id);
    expect(repository.pullRequest.autoMergeRequest).toBeNull();
    const armed = await gql<{ enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: { mergeMethod: string } | null; mergeStateStatus: string } } }>(
      'mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: MERGE }) { pullRequest { autoMergeRequest { mergeMethod } mergeStateStatus } } }',
      { id: pr.node_id },
    );
    expect(armed.enablePullRequestAutoMerge.pullRequest.autoMergeRequest?.mergeMethod).toBe('MERGE');
    expect(armed.enablePullRequestAutoMerge.pullRequest.mergeStateStatus).toBe('BLOCKED');

    await octokit.repos.createCommitStatus({ owner: 'acme', repo: 'config', sha: headSha, state: 'pending', context: 'ci/build' });
    expect((await octokit.pulls.get({ owner: 'acme', repo: 'config', pull_number: pr.number })).data.merged).toBe(false);
    await octokit.repos.createCommitStatus({ owner: 'acme', repo: 'config', sha: headSha, state: 'success', context: 'ci/build', target_url: 'https://ci.example/1' });
    const { data: combined } = await octokit.repos.getCombinedStatusForRef({ owner: 'acme', repo: 'config', ref: headSha });
    expect(combined.state).toBe('success');

    const { data: merged } = await octokit.pulls.get({ owner: 'acme', repo: 'config', pull_number: pr.number });
    expect(merged.merged).toBe(true);
    expect(merged.state).toBe('closed');
    expect(merged.auto_merge).toBeNull();
    const { data: newMain } = await octokit.git.getRef({ owner: 'acme', repo: 'config', ref: 'heads/main' });
    expect(merged.merge_commit_sha).toBe(newMain.object.sha);
    const commit = await showCommit(newMain.object.sha);
    expect(commit.parents).toEqual([mainRef.object.sha, headSha]);
    expect(commit.files).toBe('image: acme/web:1.1.0\n');

    world.github.assertNoViolations();
  });

  it('answers "Pull request is in clean status", then merges with the sha guard (409 when the head moved)', async () => {
    await world.github.setRequiredChecks(REPO, 'main', []);
    await world.pushFiles(REPO, 'ferry/clean', { 'apps/web.yaml': 'image: acme/web:1.2.0\n' });
    const { data: pr } = await octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'web 1.2.0', head: 'ferry/clean', base: 'main' });
    const failure = await gql(
      'mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { clientMutationId } }',
      { id: pr.node_id },
    ).then(() => null, (e: unknown) => e as { message: string; errors: { type: string; message: string }[] });
    expect(failure?.errors[0]).toMatchObject({ type: 'UNPROCESSABLE', message: 'Pull request Pull request is in clean status' });

    const moved = await world.pushFiles(REPO, 'ferry/clean', { 'apps/web.yaml': 'image: acme/web:1.2.1\n' }, { from: 'ferry/clean' });
    const conflict = await expectRequestError(octokit.pulls.merge({ owner: 'acme', repo: 'config', pull_number: pr.number, sha: pr.head.sha, merge_method: 'squash' }), 409);
    expect(conflict.message).toContain('Head branch was modified. Review and try the merge again.');

    const { data: result } = await octokit.pulls.merge({ owner: 'acme', repo: 'config', pull_number: pr.number, sha: moved, merge_method: 'squash' });
    expect(result.merged).toBe(true);
    const commit = await showCommit(result.sha);
    expect(commit.parents).toHaveLength(1);
    expect(commit.files).toBe('image: acme/web:1.2.1\n');
    world.github.assertNoViolations();
  });

  it('reports conflicts as dirty and refuses to merge them with 405', async () => {
    await world.pushFiles(REPO, 'ferry/stale', { 'apps/web.yaml': 'image: acme/web:0.9.0\n' });
    await world.pushFiles(REPO, 'main', { 'apps/web.yaml': 'image: acme/web:1.3.0\n' }, { from: 'main' });
    const { data: pr } = await octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'stale', head: 'ferry/stale', base: 'main' });
    expect(pr.mergeable).toBe(false);
    expect(pr.mergeable_state).toBe('dirty');
    const refused = await expectRequestError(octokit.pulls.merge({ owner: 'acme', repo: 'config', pull_number: pr.number }), 405);
    expect(refused.message).toContain('Pull Request is not mergeable');
    const { data: closed } = await octokit.pulls.update({ owner: 'acme', repo: 'config', pull_number: pr.number, state: 'closed', title: 'stale (superseded)' });
    expect(closed.state).toBe('closed');
    expect(closed.title).toBe('stale (superseded)');
    world.github.assertNoViolations();
  });

  it('lets exactly one of two concurrent creators open the pull request', async () => {
    await world.pushFiles(REPO, 'ferry/race', { 'apps/api.yaml': 'image: acme/api:3.0.0\n' });
    const attempt = () => octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'race', head: 'ferry/race', base: 'main' }).then((r) => r.status, (e: { status: number }) => e.status);
    const statuses = await Promise.all([attempt(), attempt()]);
    expect(statuses.sort()).toEqual([201, 422]);
    const open = await octokit.pulls.list({ owner: 'acme', repo: 'config', head: 'acme:ferry/race' });
    expect(open.data).toHaveLength(1);
    world.github.assertNoViolations();
  });

  it('auto-merges only when the current head is green: a status on a superseded head does not count', async () => {
    await world.github.setRequiredChecks(REPO, 'main', ['ci/build']);
    const first = await world.pushFiles(REPO, 'ferry/moving', { 'apps/moving.yaml': 'v: 1\n' });
    const { data: pr } = await octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'moving', head: 'ferry/moving', base: 'main' });
    await gql('mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: SQUASH }) { clientMutationId } }', { id: pr.node_id });
    const second = await world.pushFiles(REPO, 'ferry/moving', { 'apps/moving.yaml': 'v: 2\n' }, { from: 'ferry/moving' });
    await octokit.repos.createCommitStatus({ owner: 'acme', repo: 'config', sha: first, state: 'success', context: 'ci/build' });
    const { data: waiting } = await octokit.pulls.get({ owner: 'acme', repo: 'config', pull_number: pr.number });
    expect(waiting).toMatchObject({ merged: false, mergeable_state: 'blocked', head: { sha: second } });
    expect(waiting.auto_merge?.merge_method).toBe('squash');
    await octokit.repos.createCommitStatus({ owner: 'acme', repo: 'config', sha: second, state: 'success', context: 'ci/build' });
    const { data: done } = await octokit.pulls.get({ owner: 'acme', repo: 'config', pull_number: pr.number });
    expect(done.merged).toBe(true);
    expect((await showCommitFile(done.merge_commit_sha ?? '', 'apps/moving.yaml'))).toBe('v: 2\n');
    await world.github.setRequiredChecks(REPO, 'main', []);
    world.github.assertNoViolations();
  });

  it('can report mergeability as not computed yet, like GitHub right after a push, while GitHub itself knows', async () => {
    await world.pushFiles(REPO, 'ferry/unknown', { 'apps/unknown.yaml': 'v: 1\n' });
    world.github.faults.mergeabilityUnknown(3);
    const { data: created } = await octokit.pulls.create({ owner: 'acme', repo: 'config', title: 'unknown', head: 'ferry/unknown', base: 'main' });
    expect(created).toMatchObject({ mergeable: null, mergeable_state: 'unknown' });
    const read = await gql<{ repository: { pullRequest: { mergeable: string; mergeStateStatus: string } } }>(
      'query($n: Int!) { repository(owner: "acme", name: "config") { pullRequest(number: $n) { mergeable mergeStateStatus } } }', { n: created.number });
    expect(read.repository.pullRequest).toEqual({ mergeable: 'UNKNOWN', mergeStateStatus: 'UNKNOWN' });
    // A client that takes UNKNOWN as "wait" and arms auto-merge meets GitHub's race: the PR is clean.
    const armed = await gql('mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }', { id: created.node_id })
      .then(() => 'armed', (e: { errors: { message: string }[] }) => e.errors[0]?.message);
    expect(armed).toBe('Pull request Pull request is in clean status');
    expect((await octokit.pulls.get({ owner: 'acme', repo: 'config', pull_number: created.number })).data.mergeable_state).toBe('unknown');
    expect((await octokit.pulls.get({ owner: 'acme', repo: 'config', pull_number: created.number })).data).toMatchObject({ mergeable: true, mergeable_state: 'clean' });
    world.github.assertNoViolations();
  });
});
