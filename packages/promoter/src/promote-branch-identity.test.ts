// Issue 17, bug 6: promotion branches are keyed by the whole identity (environment + app, or, for
// --file, the whole image repository), never by a lossy slug; and a promotion never force-updates
// a branch whose head is someone else's. Against the real git http-backend and the GitHub stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { expectNoSecretsInWorld, readRefs, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { formatCommitMessage } from './core/format-promotion.js';
import { promote, type PromoteOptions } from './promote.js';
import { deploymentYaml, fastRetry, readRemote, realClock } from './test/promote-fixtures.js';

const TOKEN = TEST_GITHUB_TOKEN;

const FERRY_YAML = [
  'environments:',
  '  staging: { branch: main }',
  '  qa..eu: { branch: main }',
  'apps:',
  ...[['web', 'web'], ['a.b', 'ab-one'], ['a..b', 'ab-two'], ['x.lock', 'xlock'], ['web-release-hold', 'wrh']].flatMap(([app, image]) => [
    `  ${app}:`, `    image: ghcr.io/acme/${image}`, '    environments:',
    `      staging: { files: [envs/staging/${image}.yaml] }`, `      qa..eu: { files: [envs/qa/${image}.yaml] }`,
  ]),
  '',
].join('\n');

function seed(): Record<string, string> {
  const files: Record<string, string> = { 'ferry.yaml': FERRY_YAML };
  for (const image of ['web', 'ab-one', 'ab-two', 'xlock', 'wrh']) {
    files[`envs/staging/${image}.yaml`] = deploymentYaml(image, `ghcr.io/acme/${image}:1.0.0`);
    files[`envs/qa/${image}.yaml`] = deploymentYaml(image, `ghcr.io/acme/${image}:1.0.0`);
  }
  files['teams/acme-web.yaml'] = deploymentYaml('web', 'ghcr.io/acme/web:1.0.0');
  files['teams/other-web.yaml'] = deploymentYaml('web', 'ghcr.io/other-team/web:1.0.0');
  return files;
}

describe('promotion branches are per identity, and never clobber another subject', () => {
  let world: EmulatorWorld;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN] });
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
  });

  async function newRepo(): Promise<{ name: string; url: string; path: string }> {
    const name = `acme/ident${n++}`;
    const { url, path } = await world.git.createRepo(name, { seed: seed() });
    return { name, url, path };
  }

  async function promoteIn(name: string, options: Partial<PromoteOptions> & { env: string }) {
    const [owner, repoName] = name.split('/') as [string, string];
    const { host, gitAuth } = await connectGitHub({ owner, repo: repoName, auth: { kind: 'token', token: TOKEN }, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5, maxRetries: 3 } });
    const repo = await openGitWorkspace({ url: world.git.repoUrl(name), auth: await gitAuth() });
    try {
      return await promote({ repo, host, push: 'pr', clock: realClock, retry: fastRetry, ...options });
    } finally {
      await repo.close();
    }
  }

  const openPulls = (name: string) => [...world.github.state.repos.get(name)?.pulls.values() ?? []].filter((p) => p.state === 'open');
  const receivePacks = (name: string) => world.git.requests.filter((r) => r.repo === name && r.service === 'receive-pack').length;

  it('two images both named web (--file) get two branches and two pull requests', async () => {
    const { name, url } = await newRepo();
    const acme = await promoteIn(name, { env: 'staging', files: [{ path: 'teams/acme-web.yaml' }], image: { name: 'ghcr.io/acme/web', tag: '1.1.0' } });
    const other = await promoteIn(name, { env: 'staging', files: [{ path: 'teams/other-web.yaml' }], image: { name: 'ghcr.io/other-team/web', tag: '2.0.0' } });
    expect(acme).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'created' } });
    expect(other).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'created' } });
    expect(acme.branch).toMatch(/^ferry\/staging\/ghcr\.io-acme-web\+[0-9a-f]{12}$/);
    expect(other.branch).toMatch(/^ferry\/staging\/ghcr\.io-other-team-web\+[0-9a-f]{12}$/);
    expect(openPulls(name).map((p) => p.headRef).sort()).toEqual([acme.branch, other.branch].sort());
    // The first promotion is still what its branch holds.
    expect((await readRemote(url, acme.branch, ['teams/acme-web.yaml'])).files.get('teams/acme-web.yaml')).toContain('ghcr.io/acme/web:1.1.0');
    expect((await readRemote(url, other.branch, ['teams/other-web.yaml'])).files.get('teams/other-web.yaml')).toContain('ghcr.io/other-team/web:2.0.0');
    // A newer build of the same image (spelled with its tag in --image) updates its own PR.
    const again = await promoteIn(name, { env: 'staging', files: [{ path: 'teams/acme-web.yaml' }], image: { name: 'ghcr.io/acme/web', tag: '1.2.0' } });
    expect(again).toMatchObject({ branch: acme.branch, pullRequest: { number: acme.pullRequest!.number, action: 'updated' } });
    expect(openPulls(name)).toHaveLength(2);
    world.github.assertNoViolations();
  });

  it('apps a.b and a..b get two branches; odd names and environments give valid refs the git server accepts', async () => {
    const { name, path } = await newRepo();
    const results = [];
    for (const [app, image] of [['a.b', 'ab-one'], ['a..b', 'ab-two'], ['x.lock', 'xlock'], ['web-release-hold', 'wrh'], ['web', 'web']] as const) {
      for (const env of ['staging', 'qa..eu']) {
        results.push(await promoteIn(name, { env, app, image: { name: `ghcr.io/acme/${image}`, tag: '1.1.0' } }));
      }
    }
    expect(results.map((r) => r.outcome)).toEqual(Array(10).fill('pull-request'));
    const branches = results.map((r) => r.branch);
    expect(new Set(branches).size).toBe(10);
    expect(branches).toContain('ferry/staging/a.b');
    expect(branches).toContain('ferry/staging/web');
    expect(branches).toContain('ferry/staging/web-release-hold');
    expect(branches.find((b) => b.startsWith('ferry/staging/a.b+'))).toMatch(/^ferry\/staging\/a\.b\+[0-9a-f]{12}$/);
    const refs = await readRefs(path);
    for (const b of branches) expect(refs).toContain(`refs/heads/${b} `);
    expect(openPulls(name)).toHaveLength(10);
    world.github.assertNoViolations();
  });

  it.each([
    ['a promotion of another image under the same branch name (a pre-fix --file run)', formatCommitMessage({
      app: 'web', env: 'staging', image: 'ghcr.io/other-team/web', from: [{ tag: '1.0.0' }], to: { tag: '9.9.9' }, files: [],
    }), 'holds a promotion of ghcr.io/other-team/web:9.9.9 (app web, environment staging)'],
    ['a human commit', 'fix the staging values by hand\n', 'holds a commit that is not a Ferry promotion'],
    ['a forged trailer block (two Ferry-Image lines)', 'promote web to staging: x\n\nFerry-App: web\nFerry-Env: staging\nFerry-Image: ghcr.io/acme/web:1.0.1\nFerry-Image: ghcr.io/acme/web:0.0.1-evil\n', 'is not a Ferry promotion'],
  ])('refuses to force-update a promotion branch whose head is %s: non-zero exit, nothing pushed', async (_name, message, says) => {
    const { name, path } = await newRepo();
    await world.pushFiles(name, 'ferry/staging/web', { 'envs/staging/web.yaml': deploymentYaml('web', 'ghcr.io/other-team/web:9.9.9') }, { message });
    const before = await readRefs(path);
    const pushesBefore = receivePacks(name);
    expect(pushesBefore).toBeGreaterThan(0); // the hand-made push above was counted
    let caught: unknown;
    try {
      await promoteIn(name, { env: 'staging', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.1.0' } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FerryError);
    expect((caught as FerryError).code).toBe('refused.branch-taken');
    expect((caught as FerryError).message).toContain(says);
    expect((caught as FerryError).hint).toContain('delete ferry/staging/web');
    expect(await readRefs(path)).toBe(before);
    expect(receivePacks(name)).toBe(pushesBefore);
    expect(openPulls(name)).toHaveLength(0);
  });
});
