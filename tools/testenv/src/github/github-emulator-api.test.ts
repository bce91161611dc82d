// Behaviour of the emulator's REST surface that Ferry relies on, through Octokit with OpenAPI
// validation on: refs, contents, merge methods, mergeable states, app auth, headers, faults.
import { generateKeyPairSync } from 'node:crypto';
import { get } from 'node:http';
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../git-server/run-git.js';
import { startEmulatorWorld, type EmulatorWorld } from './emulator-test-kit.js';

// Native git runs and first-time schema compiles share two cores with the whole suite: a ceiling, not a timing.
const SLOW_MACHINE_TIMEOUT_MS = 120_000;

const APP_ID = 4242;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let world: EmulatorWorld;
let octokit: Octokit;
const o = { owner: 'acme', repo: 'svc' };

async function failure(p: Promise<unknown>): Promise<{ status: number; message: string; response: { headers: Record<string, string>; data: unknown } }> {
  const error = await p.then(() => null, (e: unknown) => e);
  if (!error) throw new Error('expected the request to fail');
  return error as { status: number; message: string; response: { headers: Record<string, string>; data: unknown } };
}

async function log(ref: string): Promise<string[]> {
  const r = await runGit(['--git-dir', `${world.git.root}/acme/svc.git`, 'log', '--format=%s|%P', ref]);
  return r.stdout.trim().split('\n');
}

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: ['pat-1'], app: { appId: APP_ID, privateKeyPem: privateKey } });
  await world.git.createRepo('acme/svc', { seed: { 'deploy/values.yaml': 'tag: "1"\n', 'README.md': '# svc\n' } });
  octokit = new Octokit({ auth: 'pat-1', baseUrl: world.github.url });
});

afterAll(async () => {
  world.github.assertNoViolations();
  await world?.close();
});

describe('git refs', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('creates, fast-forwards, refuses non-fast-forward unless forced, deletes', async () => {
    const { data: main } = await octokit.git.getRef({ ...o, ref: 'heads/main' });
    const ahead = await world.pushFiles('acme/svc', 'scratch', { 'a.txt': 'a\n' });
    const { data: created } = await octokit.git.createRef({ ...o, ref: 'refs/heads/topic', sha: main.object.sha });
    expect(created).toMatchObject({ ref: 'refs/heads/topic', object: { sha: main.object.sha, type: 'commit' } });
    expect((await failure(octokit.git.createRef({ ...o, ref: 'refs/heads/topic', sha: main.object.sha }))).message).toContain('Reference already exists');

    const { data: ff } = await octokit.git.updateRef({ ...o, ref: 'heads/topic', sha: ahead });
    expect(ff.object.sha).toBe(ahead);
    const nonFf = await failure(octokit.git.updateRef({ ...o, ref: 'heads/topic', sha: main.object.sha }));
    expect(nonFf.status).toBe(422);
    expect(nonFf.message).toContain('Update is not a fast forward');
    const { data: forced } = await octokit.git.updateRef({ ...o, ref: 'heads/topic', sha: main.object.sha, force: true });
    expect(forced.object.sha).toBe(main.object.sha);

    await octokit.git.deleteRef({ ...o, ref: 'heads/topic' });
    expect((await failure(octokit.git.getRef({ ...o, ref: 'heads/topic' }))).status).toBe(404);
    const { data: matching } = await octokit.git.listMatchingRefs({ ...o, ref: 'heads/' });
    expect(matching.map((r) => r.ref).sort()).toEqual(['refs/heads/main', 'refs/heads/scratch']);
  });
});

describe('contents', () => {
  it('serves files (base64 and raw), directories and 404s from the bare repository', async () => {
    const { data: file } = await octokit.repos.getContent({ ...o, path: 'deploy/values.yaml' });
    expect(Buffer.from((file as { content: string }).content, 'base64').toString()).toBe('tag: "1"\n');
    const raw = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...o, path: 'deploy/values.yaml', mediaType: { format: 'raw' } });
    expect(String(raw.data)).toBe('tag: "1"\n');
    const { data: dir } = await octokit.repos.getContent({ ...o, path: 'deploy' });
    expect((dir as { name: string; type: string }[]).map((e) => [e.name, e.type])).toEqual([['values.yaml', 'file']]);
    expect((await failure(octokit.repos.getContent({ ...o, path: 'nope.yaml' }))).status).toBe(404);
  });
});

describe('merge methods and mergeable states', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('rebase-merges as linear commits on top of an advanced base', async () => {
    await world.pushFiles('acme/svc', 'feature', { 'one.txt': '1\n' }, { message: 'first' });
    await world.pushFiles('acme/svc', 'feature', { 'two.txt': '2\n' }, { from: 'feature', message: 'second' });
    await world.pushFiles('acme/svc', 'main', { 'README.md': '# svc v2\n' }, { from: 'main', message: 'base moved' });
    const { data: pr } = await octokit.pulls.create({ ...o, title: 'feature', head: 'feature', base: 'main' });
    expect(pr.commits).toBe(2);
    const { data: merged } = await octokit.pulls.merge({ ...o, pull_number: pr.number, merge_method: 'rebase' });
    const history = await log('main');
    expect(history.slice(0, 3).map((l) => l.split('|')[0])).toEqual(['second', 'first', 'base moved']);
    expect(history[0]?.split('|')[1]?.split(' ')).toHaveLength(1);
    const { data: after } = await octokit.pulls.get({ ...o, pull_number: pr.number });
    expect(after.merge_commit_sha).toBe(merged.sha);
    expect(after.merged_by?.login).toBe('ferry-bot');
  });

  it('refuses a rebase that would conflict commit by commit although the merge is clean (405)', async () => {
    await world.pushFiles('acme/svc', 'flip', { 'deploy/values.yaml': 'tag: "flip"\n' }, { message: 'flip' });
    await world.pushFiles('acme/svc', 'flip', { 'deploy/values.yaml': 'tag: "1"\n' }, { from: 'flip', message: 'flop' });
    await world.pushFiles('acme/svc', 'flip', { 'flip.txt': 'x\n' }, { from: 'flip', message: 'extra' });
    await world.pushFiles('acme/svc', 'main', { 'deploy/values.yaml': 'tag: "3"\n' }, { from: 'main', message: 'base tag 3' });
    const { data: pr } = await octokit.pulls.create({ ...o, title: 'flip', head: 'flip', base: 'main' });
    expect(pr.mergeable_state).toBe('clean');
    const refused = await failure(octokit.pulls.merge({ ...o, pull_number: pr.number, merge_method: 'rebase' }));
    expect(refused.status).toBe(405);
    expect(refused.message).toContain("This branch can't be rebased");
    const { data: merged } = await octokit.pulls.merge({ ...o, pull_number: pr.number, merge_method: 'merge' });
    expect(merged.merged).toBe(true);
  });

  it('is behind when strict required checks want an up-to-date branch, unstable with a failing optional check', async () => {
    const head = await world.pushFiles('acme/svc', 'old-base', { 'deploy/values.yaml': 'tag: "2"\n' }, { from: 'main~1' });
    await world.github.setRequiredChecks('acme/svc', 'main', ['ci'], { strict: true });
    await octokit.repos.createCommitStatus({ ...o, sha: head, state: 'success', context: 'ci' });
    const { data: pr } = await octokit.pulls.create({ ...o, title: 'old base', head: 'old-base', base: 'main' });
    expect(pr.mergeable_state).toBe('behind');
    const { data: protection } = await octokit.repos.getStatusChecksProtection({ ...o, branch: 'main' });
    expect(protection).toMatchObject({ strict: true, contexts: ['ci'] });

    await world.github.setRequiredChecks('acme/svc', 'main', ['ci']);
    await octokit.repos.createCommitStatus({ ...o, sha: head, state: 'failure', context: 'lint' });
    expect((await octokit.pulls.get({ ...o, pull_number: pr.number })).data.mergeable_state).toBe('unstable');
    const { data: statuses } = await octokit.repos.listCommitStatusesForRef({ ...o, ref: head });
    expect(statuses.map((s) => s.context)).toEqual(['lint', 'ci']);
    await octokit.pulls.update({ ...o, pull_number: pr.number, state: 'closed' });
    await world.github.setRequiredChecks('acme/svc', 'main', []);
  });
});

describe('branch protection through the API', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('sets required checks that then block merges, and removes them', async () => {
    await world.pushFiles('acme/svc', 'guarded', { 'g.txt': 'g\n' });
    const { data: pr } = await octokit.pulls.create({ ...o, title: 'guarded', head: 'guarded', base: 'main' });
    expect(pr.mergeable_state).toBe('clean');
    await octokit.repos.updateBranchProtection({ ...o, branch: 'main', required_status_checks: { strict: false, contexts: ['ci/e2e'] }, enforce_admins: true, required_pull_request_reviews: null, restrictions: null });
    expect((await octokit.repos.getBranchProtection({ ...o, branch: 'main' })).data.required_status_checks?.contexts).toEqual(['ci/e2e']);
    expect((await octokit.pulls.get({ ...o, pull_number: pr.number })).data.mergeable_state).toBe('blocked');
    await octokit.repos.deleteBranchProtection({ ...o, branch: 'main' });
    expect((await failure(octokit.repos.getBranchProtection({ ...o, branch: 'main' }))).message).toContain('Branch not protected');
    expect((await octokit.pulls.get({ ...o, pull_number: pr.number })).data.mergeable_state).toBe('clean');
    await octokit.pulls.update({ ...o, pull_number: pr.number, state: 'closed' });
  });
});

describe('authentication', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('rejects unknown tokens with 401 "Bad credentials"', async () => {
    const bad = new Octokit({ auth: 'nope', baseUrl: world.github.url });
    const error = await failure(bad.repos.get(o));
    expect(error.status).toBe(401);
    expect(error.response.data).toMatchObject({ message: 'Bad credentials' });
  });

  it('issues installation tokens for a verified app JWT and accepts them on the API', async () => {
    const app = new Octokit({ baseUrl: world.github.url, authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey, installationId: 1 } });
    const { data: installation } = await app.apps.getRepoInstallation(o);
    expect(installation).toMatchObject({ id: 1, app_id: APP_ID });
    await world.pushFiles('acme/svc', 'from-app', { 'app.txt': 'x\n' });
    const { data: pr } = await app.pulls.create({ ...o, title: 'by app', head: 'from-app', base: 'main' });
    expect(pr.user.login).toBe('ferry-test-app[bot]');
    expect(world.github.requests.some((r) => r.method === 'POST' && r.path === '/app/installations/1/access_tokens' && r.status === 201)).toBe(true);

    const stranger = new Octokit({ baseUrl: world.github.url, authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey: strangerKey, installationId: 1 } });
    const refused = await failure(stranger.pulls.list(o));
    expect(refused.status).toBe(401);
    expect(refused.message).toContain('A JSON web token could not be decoded');
  });
});

describe('hostile input', () => {
  it('keeps repository names inside the root and never passes option-like revisions to git', async () => {
    const before = world.github.violations.length;
    // node:http with a path option sends it as is (a URL string would have its dot segments resolved).
    const rawGet = (path: string) => new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(world.github.url);
      get({ hostname, port, path, headers: { authorization: 'token pat-1' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    // A real repository just outside the root, which a path-joining bug would serve.
    expect((await runGit(['init', '--quiet', '--bare', `${world.git.root}/../outside/secret.git`])).code).toBe(0);
    expect(await rawGet('/repos/..%2Foutside/secret')).toBe(404);
    expect(await rawGet('/repos/%2E%2E/svc')).toBe(404); // URL parsing resolves it to /svc: no route
    expect(await rawGet('/repos/acme/svc/git/ref/--output=x')).toBe(404);
    expect(await rawGet('/repos/acme/svc/contents/README.md?ref=--exec=x')).toBe(404);
    const status = await failure(octokit.repos.createCommitStatus({ ...o, sha: '--help', state: 'success' }));
    expect(status.status).toBe(422);
    const bad = await fetch(`${world.github.url}/repos/acme/svc/pulls`, { method: 'POST', headers: { authorization: 'token pat-1' }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ message: 'Problems parsing JSON' });
    // GitHub answers these with 422/400 although its description documents neither: the validator
    // says so, and the test takes those expected notes back out of the shared list.
    const notes = world.github.violations.splice(before).map((v) => `${v.operation} ${v.status ?? ''}`.trim());
    expect(notes).toEqual([
      'GET /svc',
      'POST /repos/{owner}/{repo}/statuses/{sha} 422',
      'POST /repos/{owner}/{repo}/pulls',
      'POST /repos/{owner}/{repo}/pulls 400',
    ]);
  });
});

describe('headers and faults', () => {
  it('sends GitHub rate-limit headers that count requests', async () => {
    const first = await octokit.repos.get(o);
    const second = await octokit.repos.get(o);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.headers['x-ratelimit-limit']).toBe('5000');
    expect(first.headers['x-ratelimit-resource']).toBe('core');
    expect(first.headers['x-github-request-id']).toMatch(/^[0-9A-F]{4}:/);
    expect(Number(second.headers['x-ratelimit-remaining'])).toBe(Number(first.headers['x-ratelimit-remaining']) - 1);
    expect(Number(second.headers['x-ratelimit-used'])).toBe(Number(first.headers['x-ratelimit-used']) + 1);
  });

  it('answers the secondary rate limit with 403 and retry-after, which plugin-throttling recognises and retries', async () => {
    world.github.faults.secondaryRateLimit(1);
    const limited = await failure(octokit.repos.get(o));
    expect(limited.status).toBe(403);
    expect(limited.message).toMatch(/^You have exceeded a secondary rate limit/);
    expect(limited.response.headers['retry-after']).toBe('60');

    const Throttled = Octokit.plugin(throttling);
    const seen: number[] = [];
    const throttled = new Throttled({
      auth: 'pat-1',
      baseUrl: world.github.url,
      // retry-after is in seconds; scale it to milliseconds so the test does not wait.
      throttle: { retryAfterBaseValue: 1, onRateLimit: () => false, onSecondaryRateLimit: (after: number) => { seen.push(after); return true; } },
    });
    world.github.faults.secondaryRateLimit(2, { retryAfterSeconds: 7 });
    const { data } = await throttled.repos.get(o);
    expect(data.full_name).toBe('acme/svc');
    expect(seen).toEqual([7, 7]);
    expect(world.github.requests.filter((r) => r.fault === 'secondary-rate-limit')).toHaveLength(3);
  });

  it('answers an exhausted primary rate limit the way plugin-throttling expects (remaining 0, reset soon)', async () => {
    world.github.faults.primaryRateLimit(1, { resetInSeconds: 30 });
    const limited = await failure(octokit.repos.get(o));
    expect(limited.status).toBe(403);
    expect(limited.message).toMatch(/^API rate limit exceeded for user ID \d+\./);
    expect(limited.response.headers['x-ratelimit-remaining']).toBe('0');
    const resetIn = Number(limited.response.headers['x-ratelimit-reset']) - Date.now() / 1000;
    expect(resetIn).toBeGreaterThan(20);
    expect(resetIn).toBeLessThanOrEqual(31);
    expect((await octokit.repos.get(o)).status).toBe(200);
  });

  it('cuts connections without an answer, which plugin-retry retries', async () => {
    world.github.faults.cutConnection(1);
    const cut = await failure(octokit.repos.get(o));
    expect(cut.status).toBe(500); // Octokit's status for a request that got no response
    const Retrying = Octokit.plugin(retry);
    const retrying = new Retrying({ auth: 'pat-1', baseUrl: world.github.url, request: { retryAfter: 0 } });
    world.github.faults.cutConnection(1);
    expect((await retrying.repos.get(o)).status).toBe(200);
    expect(world.github.requests.filter((r) => r.fault === 'connection-cut')).toHaveLength(2);
  });

  it('answers switched-on 5xx faults, then recovers', async () => {
    world.github.faults.serverError(1, 503);
    expect((await failure(octokit.repos.get(o))).status).toBe(503);
    expect((await octokit.repos.get(o)).status).toBe(200);
  });
});

describe('check runs', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('only apps create them; a required check run completing green auto-merges the PR', async () => {
    const app = new Octokit({ baseUrl: world.github.url, authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey, installationId: 1 } });
    const head = await world.pushFiles('acme/svc', 'checked', { 'checked.txt': 'c\n' });
    const refused = await failure(octokit.checks.create({ ...o, name: 'build', head_sha: head }));
    expect(refused.status).toBe(403);
    expect(refused.message).toContain('You must authenticate via a GitHub App.');

    await world.github.setRequiredChecks('acme/svc', 'main', ['build']);
    const { data: run } = await app.checks.create({ ...o, name: 'build', head_sha: head, status: 'in_progress' });
    const { data: pr } = await app.pulls.create({ ...o, title: 'checked', head: 'checked', base: 'main' });
    expect(pr.mergeable_state).toBe('blocked');
    await app.graphql('mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: REBASE }) { clientMutationId } }', { id: pr.node_id });
    const { data: done } = await app.checks.update({ ...o, check_run_id: run.id, conclusion: 'success', output: { title: 'ok', summary: 'all green' } });
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success' });
    const { data: merged } = await octokit.pulls.get({ ...o, pull_number: pr.number });
    expect(merged.merged).toBe(true);
    expect(merged.merged_by?.login).toBe('ferry-test-app[bot]');
    const { data: listed } = await octokit.checks.listForRef({ ...o, ref: head });
    expect(listed.check_runs.map((c) => [c.name, c.conclusion])).toEqual([['build', 'success']]);
    await world.github.setRequiredChecks('acme/svc', 'main', []);
  });
});

describe('git credentials of a GitHub App', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('lets the git server accept installation tokens the emulator issues, and nothing else', async () => {
    const secured = await startEmulatorWorld({ tokens: ['pat-2'], gitAuth: true, app: { appId: APP_ID, privateKeyPem: privateKey } });
    try {
      await secured.git.createRepo('acme/locked', { seed: { 'a.txt': 'a\n' } });
      const lsRemote = async (password: string): Promise<number> => {
        const url = new URL(secured.git.repoUrl('acme/locked'));
        url.username = 'x-access-token';
        url.password = password;
        return (await runGit(['ls-remote', url.toString()])).code;
      };
      const app = new Octokit({ baseUrl: secured.github.url, authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey, installationId: 1 } });
      const { token } = (await app.auth({ type: 'installation' })) as { token: string };
      expect(token).toMatch(/^ghs_/);
      expect(await lsRemote(token)).toBe(0);
      expect(await lsRemote('ghs_not-issued')).not.toBe(0);
      expect(await secured.pushFiles('acme/locked', 'main', { 'b.txt': 'b\n' }, { from: 'main' })).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      await secured.close();
    }
  });
});

describe('pagination', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('pages pull request lists with Link headers that octokit.paginate follows', async () => {
    const all = await octokit.paginate(octokit.pulls.list, { ...o, state: 'all', per_page: 1 });
    const known = [...world.github.state.repos.values()].find((r) => r.name === 'svc')?.pulls ?? [];
    expect(known.length).toBeGreaterThan(2);
    expect(all.map((p) => p.number).sort()).toEqual(known.map((p) => p.number).sort());
    const pages = world.github.requests.filter((r) => r.method === 'GET' && r.path === '/repos/acme/svc/pulls' && r.query.includes('per_page=1'));
    expect(pages).toHaveLength(known.length);
  });
});
