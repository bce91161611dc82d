// The reporter and its GitHub adapter against the GitHub stand-in, every exchange validated
// against GitHub's OpenAPI description.
import { startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import type { FerryError } from '@ferry/manifest-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncReport, SyncTarget } from '../reconcile/reconcile-sync.js';
import { parseSyncSpec } from '../sync/sync-spec.js';
import { CommitStatusReporter } from './commit-status-reporter.js';
import { createGitHubStatusPort } from './github-status-port.js';

const TOKEN = 'status-only-token';
let world: EmulatorWorld;
let sha: string;
let target: SyncTarget;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: [TOKEN] });
  await world.git.createRepo('acme/config', { seed: { 'app/a.yaml': 'a: 1\n' } });
  sha = await world.pushFiles('acme/config', 'main', { 'app/a.yaml': 'a: 2\n' });
  target = { identity: { namespace: 'ferry-system', name: 'web' }, spec: parseSyncSpec({ url: world.git.repoUrl('acme/config') }, 'test'), fromObject: true };
});
afterAll(async () => world?.close());

function report(outcome: SyncReport['outcome'], reason: string, message: string): SyncReport {
  return {
    sync: target.identity, outcome, reason, message, revision: sha, changes: [], prune: { deleted: [], skipped: [], failed: [] },
    inventorySize: 0, status: {}, statusWritten: false, durationMs: 1,
  };
}

async function statusesOf(commit: string, auth = TOKEN) {
  const res = await fetch(`${world.github.url}/repos/acme/config/commits/${commit}/status`, { headers: { authorization: `token ${auth}` } });
  return (await res.json()) as { state: string; statuses: { context: string; state: string; description: string }[] };
}

const posts = () => world.github.requests.filter((r) => r.method === 'POST' && r.path.includes('/statuses/')).length;

describe('CommitStatusReporter on the GitHub stand-in', () => {
  it('posts pending while applying, then success, on the applied revision; unchanged reconciles post nothing', async () => {
    const reporter = new CommitStatusReporter({ port: createGitHubStatusPort({ apiUrl: world.github.url, token: TOKEN }), cluster: 'prod-eu' });
    await reporter.applying(target, sha);
    let combined = await statusesOf(sha);
    expect(combined.statuses).toEqual([expect.objectContaining({ context: 'ferry/prod-eu/ferry-system/web', state: 'pending', description: `applying ${sha.slice(0, 12)}` })]);

    await reporter.finished(target, report('Applied', 'ReconciliationSucceeded', 'applied revision x: 1 created'));
    combined = await statusesOf(sha);
    expect(combined.state).toBe('success');
    expect(combined.statuses[0]).toMatchObject({ state: 'success', description: 'applied and healthy: applied revision x: 1 created' });

    // The drift check every interval re-applies the same revision: nothing new to say.
    const before = posts();
    await reporter.applying(target, sha);
    await reporter.finished(target, report('Applied', 'ReconciliationSucceeded', 'applied revision x: 0 created, 1 unchanged'));
    expect(posts()).toBe(before);
    expect((await statusesOf(sha)).statuses[0]).toMatchObject({ state: 'success', description: 'applied and healthy: applied revision x: 1 created' });
    world.github.assertNoViolations();
  });

  it('reports an unhealthy rollout as failure with the agent reason, per cluster', async () => {
    const reporter = new CommitStatusReporter({ port: createGitHubStatusPort({ apiUrl: world.github.url, token: TOKEN }), cluster: 'prod-us', targetUrl: 'https://grafana.example.com/d/ferry' });
    await reporter.finished(target, report('Unhealthy', 'HealthCheckFailed', 'applied abc; Deployment web/web: 0/1 replicas available (timed out after 5s)'));
    const combined = await statusesOf(sha);
    expect(combined.state).toBe('failure');
    expect(combined.statuses.find((s) => s.context === 'ferry/prod-us/ferry-system/web')).toMatchObject({
      state: 'failure', description: 'HealthCheckFailed: applied abc; Deployment web/web: 0/1 replicas available (timed out after 5s)',
    });
    world.github.assertNoViolations();
  });

  it('never throws into the reconcile: a refused token is handed to onError, without the token', async () => {
    const errors: FerryError[] = [];
    const reporter = new CommitStatusReporter({ port: createGitHubStatusPort({ apiUrl: world.github.url, token: 'wrong-token' }), cluster: 'c1', onError: (e) => errors.push(e) });
    await expect(reporter.applying(target, sha)).resolves.toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['status.auth']);
    expect(errors[0]!.message).toContain('HTTP 401');
    expect(errors[0]!.message).not.toContain('wrong-token');
    expect(errors[0]!.hint).toContain('Commit statuses: write');
  });

  it('refuses a cluster name that cannot be part of a context', () => {
    expect(() => new CommitStatusReporter({ port: { postStatus: async () => {} }, cluster: 'a/b' })).toThrow(/cluster name "a\/b"/);
  });
});
