// "Newest wins" for tags that are not semver (issue 11): builds tagged with a commit SHA ordered by
// their build time (recorded in the Ferry-Build-Time trailer), and builds ordered by a number a
// pattern takes from the tag. Ten builds race into one branch through real git http-backend
// (receive-pack's compare-and-swap decides each round) and the GitHub stand-in; whatever order the
// pushes land in, the branch ends with the newest build, and a build older than what the branch
// holds pushes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecretsInWorld, runGit, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { promote, type PromoteOptions, type PromoteResult } from './promote.js';
import { deploymentYaml, fastRetry, readRemote, realClock } from './test/promote-fixtures.js';

/** web: SHA tags ordered by build time; api: `main-<sha>-<run>` ordered by run number; raw: no order. */
function seed(): Record<string, string> {
  const envs = (app: string) => ['    environments:', `      dev: { files: [envs/dev/${app}.yaml] }`];
  return {
    'ferry.yaml': [
      'environments:',
      '  dev: { branch: main }',
      'apps:',
      '  web:', '    image: ghcr.io/acme/web', '    order: build-time', ...envs('web'),
      '  api:', '    image: ghcr.io/acme/api', '    order: numeric', "    orderPattern: '^main-[0-9a-f]+-(?<run>[0-9]+)$'", ...envs('api'),
      '  raw:', '    image: ghcr.io/acme/raw', ...envs('raw'),
      '',
    ].join('\n'),
    'envs/dev/web.yaml': deploymentYaml('web', 'ghcr.io/acme/web:sha-0000000'),
    'envs/dev/api.yaml': deploymentYaml('api', 'ghcr.io/acme/api:main-0000000-0'),
    'envs/dev/raw.yaml': deploymentYaml('raw', 'ghcr.io/acme/raw:sha-0000000'),
    // No app of ferry.yaml governs this one: `--file` with `--order` decides.
    'k8s/tool.yaml': deploymentYaml('tool', 'ghcr.io/acme/tool:sha-0000000'),
  };
}

/** Ten builds: distinct SHAs; build i finished at minute i. Promoted in this shuffled order. */
const SHUFFLED = [7, 2, 9, 4, 10, 1, 6, 3, 8, 5];
const shaOf = (i: number) => `${i.toString(16)}${'c0ffee'}`.padEnd(7, 'a').slice(0, 7);
const buildTimeOf = (i: number) => `2025-03-01T10:${String(i).padStart(2, '0')}:00Z`;
const webBuild = (i: number) => ({ app: 'web', image: { name: 'ghcr.io/acme/web', tag: `sha-${shaOf(i)}` }, buildTime: buildTimeOf(i) });
const apiBuild = (i: number) => ({ app: 'api', image: { name: 'ghcr.io/acme/api', tag: `main-${shaOf(i)}-${400 + i}` } });

describe('newest build wins for SHA tags (build time) and numbered tags (pattern)', () => {
  let world: EmulatorWorld;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TEST_GITHUB_TOKEN] });
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
  });

  async function newRepo(): Promise<{ name: string; url: string }> {
    const name = `acme/order${n++}`;
    const { url } = await world.git.createRepo(name, { seed: seed() });
    return { name, url };
  }

  async function promoteIn(name: string, options: Partial<PromoteOptions>, push: 'direct' | 'pr'): Promise<PromoteResult> {
    const [owner, repoName] = name.split('/') as [string, string];
    const repo = await openGitWorkspace({ url: world.git.repoUrl(name) });
    const host = push === 'pr'
      ? (await connectGitHub({ owner, repo: repoName, auth: { kind: 'token', token: TEST_GITHUB_TOKEN }, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5 } })).host
      : undefined;
    try {
      return await promote({ repo, host, push, clock: realClock, retry: fastRetry, env: 'dev', ...options });
    } finally {
      await repo.close();
    }
  }

  const openPulls = (name: string) => [...world.github.state.repos.get(name)?.pulls.values() ?? []].filter((p) => p.state === 'open');
  const trailersAt = async (name: string, ref: string) => (await runGit(['--git-dir', world.git.repoPath(name), 'log', '-1', '--format=%(trailers)', ref])).stdout;

  for (const push of ['direct', 'pr'] as const) {
    const branch = push === 'direct' ? 'main' : 'ferry/dev/web';

    it(`--push ${push}: 10 SHA-tagged builds with shuffled build times end with the newest; an older one exits "older" and pushes nothing`, async () => {
      const { name, url } = await newRepo();
      const results = await Promise.all(SHUFFLED.map((i) => promoteIn(name, webBuild(i), push)));
      const landed = push === 'direct' ? 'promoted' : 'pull-request';
      expect(results.map((r) => r.outcome).every((o) => o === landed || o === 'older')).toBe(true);
      expect(results[SHUFFLED.indexOf(10)]!.outcome).toBe(landed);
      for (const r of results.filter((x) => x.outcome === 'older')) expect(r.message).toContain('older than');

      const newest = `ghcr.io/acme/web:sha-${shaOf(10)}`;
      const after = await readRemote(url, branch, ['envs/dev/web.yaml']);
      expect(after.files.get('envs/dev/web.yaml')).toContain(`image: ${newest}\n`);
      // The order is what the config repo records: the head's trailers carry the newest build time.
      expect(await trailersAt(name, branch)).toContain(`Ferry-Build-Time: ${buildTimeOf(10)}`);
      if (push === 'pr') {
        expect(openPulls(name)).toHaveLength(1);
        expect(openPulls(name)[0]!.title).toBe(`Promote web to dev: sha-${shaOf(10)}`);
        expect((await readRemote(url, 'main', ['envs/dev/web.yaml'])).files.get('envs/dev/web.yaml')).toContain('web:sha-0000000');
      }

      // A build that finished before the one the branch holds, arriving after the race.
      const late = await promoteIn(name, { ...webBuild(3), image: { name: 'ghcr.io/acme/web', tag: 'sha-1a7e000' } }, push);
      expect(late.outcome).toBe('older');
      expect(late.message).toContain(`sha-1a7e000 (built ${buildTimeOf(3)}) is older than sha-${shaOf(10)} (built ${buildTimeOf(10)})`);
      expect((await readRemote(url, branch, [])).head).toBe(after.head);
      if (push === 'pr') expect(openPulls(name)[0]!.title).toBe(`Promote web to dev: sha-${shaOf(10)}`);
    }, 180_000);

    it(`--push ${push}: 10 builds tagged main-<sha>-<run> end with the highest run; a lower run pushes nothing`, async () => {
      const { name, url } = await newRepo();
      const apiBranch = push === 'direct' ? 'main' : 'ferry/dev/api';
      const results = await Promise.all(SHUFFLED.map((i) => promoteIn(name, apiBuild(i), push)));
      expect(results[SHUFFLED.indexOf(10)]!.outcome).toBe(push === 'direct' ? 'promoted' : 'pull-request');
      const after = await readRemote(url, apiBranch, ['envs/dev/api.yaml']);
      expect(after.files.get('envs/dev/api.yaml')).toContain(`image: ghcr.io/acme/api:main-${shaOf(10)}-410\n`);

      const late = await promoteIn(name, { app: 'api', image: { name: 'ghcr.io/acme/api', tag: 'main-fffffff-409' } }, push);
      expect(late.outcome).toBe('older');
      expect(late.message).toContain(`main-fffffff-409 is older than main-${shaOf(10)}-410`);
      expect((await readRemote(url, apiBranch, [])).head).toBe(after.head);
    }, 180_000);
  }

  it('refuses what it cannot order and pushes nothing: no build time under build-time, a tag the pattern does not match, SHA tags without an order', async () => {
    const { name, url } = await newRepo();
    const before = (await readRemote(url, 'main', [])).head;
    const cases: [Partial<PromoteOptions>, RegExp][] = [
      [{ app: 'web', image: { name: 'ghcr.io/acme/web', tag: 'sha-bbbb222' } }, /ordered by build time, but this promotion of sha-bbbb222 has no build time \(pass --build-time/],
      [{ app: 'api', image: { name: 'ghcr.io/acme/api', tag: 'release-7' } }, /"release-7" does not match it/],
      [{ app: 'raw', image: { name: 'ghcr.io/acme/raw', tag: 'sha-cccc333' } }, /cannot tell whether sha-cccc333 is newer than sha-0000000 in place: "sha-cccc333" is not a semver version and no order is set/],
    ];
    for (const [options, message] of cases) {
      const result = await promoteIn(name, options, 'direct');
      expect(result).toMatchObject({ outcome: 'refused', reason: 'unordered', changed: false });
      expect(result.message).toMatch(message);
    }
    expect((await readRemote(url, 'main', [])).head).toBe(before);

    // --file on a file no app governs, with --order build-time: ordered by the recorded build times.
    const first = await promoteIn(name, { files: [{ path: 'k8s/tool.yaml' }], image: { name: 'ghcr.io/acme/tool', tag: 'sha-dddd444' }, order: { by: 'build-time' }, buildTime: '2025-03-01T12:00:00+02:00' }, 'direct');
    expect(first.outcome).toBe('promoted');
    expect(first.message).toContain('sha-0000000 in place has no recorded build time and is replaced');
    const older = await promoteIn(name, { files: [{ path: 'k8s/tool.yaml' }], image: { name: 'ghcr.io/acme/tool', tag: 'sha-eeee555' }, order: { by: 'build-time' }, buildTime: '2025-03-01T09:30:00Z' }, 'direct');
    expect(older).toMatchObject({ outcome: 'older' });
    expect(older.message).toContain('sha-eeee555 (built 2025-03-01T09:30:00Z) is older than sha-dddd444 (built 2025-03-01T12:00:00+02:00)');
    expect((await readRemote(url, 'main', [])).head).toBe(first.commit);
    // Times compare as instants: 10:30Z is after 12:00+02:00 (10:00Z).
    const newer = await promoteIn(name, { files: [{ path: 'k8s/tool.yaml' }], image: { name: 'ghcr.io/acme/tool', tag: 'sha-ffff666' }, order: { by: 'build-time' }, buildTime: '2025-03-01T10:30:00Z' }, 'direct');
    expect(newer.outcome).toBe('promoted');
  }, 120_000);
});
