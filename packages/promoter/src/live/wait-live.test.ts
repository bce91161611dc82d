// waitLive against real repositories: the git http-backend and the GitHub stand-in. Statuses are
// posted here the way the agent's reporter posts them (its own tests cover the agent side).
import { startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGitHistory, type GitHistory } from '../history/git-history.js';
import { realClock } from '../test/promote-fixtures.js';
import type { ClusterLive } from './cluster-status.js';
import { createGitHubStatusReader } from './github-status-reader.js';
import { waitLive, type WaitLiveOptions } from './wait-live.js';

const TOKEN = 'live-token';
let world: EmulatorWorld;
let n = 0;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
});
afterAll(async () => world?.close());

async function post(repo: string, sha: string, context: string, state: string, description: string): Promise<void> {
  const res = await fetch(`${world.github.url}/repos/${repo}/statuses/${sha}`, {
    method: 'POST', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ state, context, description }),
  });
  expect(res.status).toBe(201);
}

/** A repo whose previous head was reported by cluster eu; returns the "merge" commit on top. */
async function setup(): Promise<{ repo: string; parent: string; merge: string; history: GitHistory; options: Omit<WaitLiveOptions, 'timeoutMs'> }> {
  const repo = `acme/live${n++}`;
  await world.git.createRepo(repo, { seed: { 'a.yaml': 'a: 0\n' } });
  const parent = await world.pushFiles(repo, 'main', { 'a.yaml': 'a: 1\n' });
  await post(repo, parent, 'ferry/eu/apps/web', 'success', 'applied and healthy');
  const merge = await world.pushFiles(repo, 'main', { 'a.yaml': 'a: 2\n' });
  const history = await openGitHistory({ url: world.git.repoUrl(repo) });
  const [owner, name] = repo.split('/') as [string, string];
  return {
    repo, parent, merge, history,
    options: { sha: merge, branch: 'main', history, statuses: createGitHubStatusReader({ owner, repo: name, apiUrl: world.github.url, token: TOKEN }), clock: realClock, pollMs: 20 },
  };
}

describe('waitLive', () => {
  it('waits while the agent applies, then succeeds when it reports healthy on the merge commit', async () => {
    const { repo, merge, history, options } = await setup();
    const seen: string[] = [];
    await post(repo, merge, 'ferry/eu/apps/web', 'pending', `applying ${merge.slice(0, 12)}`);
    // The agent finishes only after we saw it applying: no timing involved.
    const onProgress = (c: ClusterLive) => {
      seen.push(`${c.cluster}:${c.state}`);
      if (c.state === 'pending') void post(repo, merge, 'ferry/eu/apps/web', 'success', 'applied and healthy: 1 configured');
    };
    const result = await waitLive({ ...options, timeoutMs: 20_000, onProgress });
    await history.close();
    expect(result).toMatchObject({ outcome: 'live', clusters: [{ cluster: 'eu', state: 'live', commit: merge }] });
    expect(seen).toEqual(['eu:pending', 'eu:live']);
    world.github.assertNoViolations();
  });

  it('accepts a later commit that contains the merge, and only the clusters asked for', async () => {
    const { repo, merge, history, options } = await setup();
    const later = await world.pushFiles(repo, 'main', { 'b.yaml': 'b: 1\n' });
    await post(repo, later, 'ferry/eu/apps/web', 'success', 'applied and healthy');
    await post(repo, later, 'ferry/us/apps/web', 'failure', 'HealthCheckFailed: not ours to wait for');
    const result = await waitLive({ ...options, clusters: ['eu'], timeoutMs: 20_000 });
    await history.close();
    expect(result).toMatchObject({ outcome: 'live', clusters: [{ cluster: 'eu', commit: later }] });
    expect(merge).not.toBe(later);
  });

  it('fails with the agent reason when a cluster reports an unhealthy rollout', async () => {
    const { repo, merge, history, options } = await setup();
    await post(repo, merge, 'ferry/eu/apps/web', 'failure', 'HealthCheckFailed: 1 object(s) not healthy after 5 s: Deployment apps/web: 0/1 replicas available');
    const result = await waitLive({ ...options, timeoutMs: 20_000 });
    await history.close();
    expect(result.outcome).toBe('failed');
    expect(result.message).toBe(`not live: eu failed on ${merge.slice(0, 12)}: apps/web: HealthCheckFailed: 1 object(s) not healthy after 5 s: Deployment apps/web: 0/1 replicas available`);
  });

  it('times out naming each cluster that is not live, and a commit earlier than the merge does not count', async () => {
    const { history, options } = await setup();
    const result = await waitLive({ ...options, clusters: ['eu', 'us'], timeoutMs: 200 });
    await history.close();
    expect(result.outcome).toBe('timeout');
    expect(result.message).toBe('not live before --timeout ran out: eu: waiting: no report yet on this commit; us: waiting: no report yet on this commit');
    expect(result.elapsedMs).toBeGreaterThanOrEqual(200);
  });
});
