// Guards (hold, policy, ordering, governing apps) against the real git http-backend server and the
// GitHub stand-in: a retry re-reads ferry.yaml on the head it builds on (issue 17, bug 1), and a
// `--file` edit of a file ferry.yaml governs gets that app's hold and policy (bug 5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { commitFiles, expectNoSecretsInWorld, startEmulatorWorld, TEST_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { connectGitHub } from './adapters/connect-github.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import type { PullRequestHost } from './core/pull-request-flow.js';
import { openGitHistory } from './history/git-history.js';
import { releaseHold } from './history/release-hold.js';
import { rollback } from './history/rollback.js';
import type { ConfigRepository } from './ports.js';
import { promote, type PromoteOptions, type PromoteResult } from './promote.js';
import { deploymentYaml, fastRetry, readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

const TOKEN = TEST_GITHUB_TOKEN;
const HOLD = /^ {8}hold: \{ reason: "INC-9: 1\.2\.0 leaks", by: "alice", since: "[^"]+" \}$/m;

/** Holds the first compare-and-swap push of a run until released: the run has fetched and planned. */
function gatedPush(repo: ConfigRepository): { repo: ConfigRepository; holding: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let held!: () => void;
  const holding = new Promise<void>((resolve) => { held = resolve; });
  let first = true;
  return {
    holding, release,
    repo: {
      ...repo,
      pushBranch: async (input) => {
        if (first) {
          first = false;
          held();
          await gate;
        }
        return repo.pushBranch(input);
      },
    },
  };
}

describe('promotion guards on the head each attempt builds on', () => {
  let world: EmulatorWorld;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN] });
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
  });

  async function newRepo(seed: Record<string, string> = seedConfigRepo(['web'])): Promise<{ name: string; url: string }> {
    const name = `acme/guards${n++}`;
    const { url } = await world.git.createRepo(name, { seed });
    return { name, url };
  }

  async function connect(name: string) {
    const [owner, repoName] = name.split('/') as [string, string];
    const { host, gitAuth } = await connectGitHub({ owner, repo: repoName, auth: { kind: 'token', token: TOKEN }, apiUrl: world.github.url, throttle: { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterScaleMs: 5, maxRetries: 3 } });
    const auth = await gitAuth();
    const repo = await openGitWorkspace({ url: world.git.repoUrl(name), auth });
    return { host, repo, auth };
  }

  async function promoteIn(name: string, options: Partial<PromoteOptions> & { env: string }, wrap = (r: ConfigRepository) => r): Promise<PromoteResult> {
    const { host, repo } = await connect(name);
    try {
      return await promote({ repo: wrap(repo), host, push: 'direct', clock: realClock, retry: fastRetry, ...options });
    } finally {
      await repo.close();
    }
  }

  async function rollbackIn(name: string, push: 'pr' | 'direct') {
    const { host, repo, auth } = await connect(name);
    const history = await openGitHistory({ url: world.git.repoUrl(name), auth });
    try {
      return await rollback({
        repo, history, host, push, env: 'prod', app: 'web', reason: 'INC-9: 1.2.0 leaks', by: 'alice',
        now: () => new Date('2026-01-02T03:04:05Z'), clock: realClock, retry: fastRetry,
      });
    } finally {
      await history.close();
      await repo.close();
    }
  }

  /** Another writer: one commit on main changing these files (compare-and-swap, as a human push would). */
  async function commitOnMain(name: string, edit: (read: (path: string) => string) => Record<string, string>): Promise<string> {
    const { repo } = await connect(name);
    try {
      const head = (await repo.fetchBranch('main'))!;
      const paths = ['ferry.yaml', 'envs/prod/web.yaml'];
      const files = await repo.readFiles(head, paths);
      const changes = edit((path) => files.get(path) ?? '');
      const commit = await repo.writeCommit({ parent: head, files: Object.entries(changes).map(([path, content]) => ({ path, content })), message: 'human edit\n' });
      expect(await repo.pushBranch({ branch: 'main', commit, expected: head })).toBe('pushed');
      return commit;
    } finally {
      await repo.close();
    }
  }

  /** A repo whose prod history has 1.1.0 then 1.2.0, so `ferry rollback` goes back to 1.1.0. */
  async function repoWithHistory(): Promise<{ name: string; url: string }> {
    const created = await newRepo();
    for (const tag of ['1.1.0', '1.2.0']) {
      expect((await promoteIn(created.name, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag } })).outcome).toBe('promoted');
    }
    return created;
  }

  /** Starts a promotion of 1.3.0 to prod and waits until it has planned and is about to push. */
  async function promotionAtTheGate(name: string, options: Partial<PromoteOptions> = {}) {
    const gated = { current: undefined as ReturnType<typeof gatedPush> | undefined };
    const progress: string[] = [];
    const running = promoteIn(name, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.3.0' }, onProgress: (m) => progress.push(m), ...options }, (repo) => {
      gated.current = gatedPush(repo);
      return gated.current.repo;
    });
    // promoteIn connects asynchronously before it wraps the repo.
    while (!gated.current) await new Promise((resolve) => setImmediate(resolve));
    await Promise.race([gated.current.holding, running]);
    return { running, release: gated.current.release, progress };
  }

  describe('bug 1: a retry re-reads ferry.yaml (direct)', () => {
    it('a promotion that planned before a rollback with a hold landed is refused on its retry; the rollback and hold stay', async () => {
      const { name, url } = await repoWithHistory();
      const promotion = await promotionAtTheGate(name);
      const rolled = await rollbackIn(name, 'direct');
      expect(rolled.outcome).toBe('promoted');
      promotion.release();
      const result = await promotion.running;
      expect(result).toMatchObject({ outcome: 'refused', reason: 'hold', changed: false, attempts: 2 });
      expect(result.message).toBe('promotion is on hold by alice: INC-9: 1.2.0 leaks');
      expect(promotion.progress.some((m) => m.includes('was rejected'))).toBe(true);
      const main = await readRemote(url, 'main', ['envs/prod/web.yaml', 'ferry.yaml']);
      expect(main.head).toBe(rolled.commit);
      expect(main.files.get('envs/prod/web.yaml')).toContain('image: ghcr.io/acme/web:1.1.0');
      expect(main.files.get('ferry.yaml')).toMatch(HOLD);
    });

    it('a hold released again before the retry lets the promotion land', async () => {
      const { name, url } = await repoWithHistory();
      const promotion = await promotionAtTheGate(name);
      await rollbackIn(name, 'direct');
      const { repo } = await connect(name);
      try {
        expect((await releaseHold({ repo, app: 'web', env: 'prod', push: 'direct' })).outcome).toBe('released');
      } finally {
        await repo.close();
      }
      promotion.release();
      const result = await promotion.running;
      expect(result).toMatchObject({ outcome: 'promoted', from: [{ tag: '1.1.0' }], to: { tag: '1.3.0' }, attempts: 2 });
      const main = await readRemote(url, 'main', ['envs/prod/web.yaml', 'ferry.yaml']);
      expect(main.head).toBe(result.commit);
      expect(main.files.get('envs/prod/web.yaml')).toContain('image: ghcr.io/acme/web:1.3.0');
      expect(main.files.get('ferry.yaml')).not.toContain('hold');
    });

    it('a policy added between attempts refuses; the policy of the new head is the one applied', async () => {
      const { name, url } = await newRepo();
      const promotion = await promotionAtTheGate(name);
      const human = await commitOnMain(name, (read) => ({
        'ferry.yaml': read('ferry.yaml').replace('      prod:\n        files: [envs/prod/web.yaml]\n', '      prod:\n        files: [envs/prod/web.yaml]\n        policy: { semver: "<1.3" }\n'),
      }));
      promotion.release();
      const result = await promotion.running;
      expect(result).toMatchObject({ outcome: 'refused', reason: 'semver-range', attempts: 2 });
      expect((await readRemote(url, 'main', [])).head).toBe(human);
    });

    it.each([
      ['made invalid', (text: string) => text.replace('apps:', 'apps: [oops'), 'config.invalid'],
      ['without the app', (text: string) => text.replace(/ {2}web:[\s\S]*$/, '  api:\n    image: ghcr.io/acme/api\n    environments: { prod: { files: [envs/prod/api.yaml] } }\n'), 'config.not-found'],
    ])('ferry.yaml %s between attempts stops the promotion with that error; nothing is pushed', async (_what, change, code) => {
      const { name, url } = await newRepo();
      const promotion = await promotionAtTheGate(name);
      const human = await commitOnMain(name, (read) => ({ 'ferry.yaml': change(read('ferry.yaml')) }));
      promotion.release();
      const err = await promotion.running.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe(code);
      expect((err as FerryError).message).toContain('ferry.yaml changed while this promotion was retrying');
      expect((err as FerryError).hint).toContain('nothing was pushed');
      if (code === 'config.invalid') expect((err as FerryError)).toMatchObject({ file: 'ferry.yaml', line: expect.any(Number) });
      const main = await readRemote(url, 'main', ['envs/prod/web.yaml']);
      expect(main.head).toBe(human);
      expect(main.files.get('envs/prod/web.yaml')).toContain('web:1.0.0');
    });

    it('ferry.yaml removed between attempts: --app stops (config.not-found), an ungoverned --file lands', async () => {
      const { name } = await newRepo();
      const promotion = await promotionAtTheGate(name);
      await commitFiles(world.git.repoPath(name), Object.fromEntries(Object.entries(seedConfigRepo(['web'])).filter(([path]) => path !== 'ferry.yaml')), { message: 'remove ferry.yaml' });
      promotion.release();
      const err = await promotion.running.catch((e: unknown) => e);
      expect((err as FerryError).code).toBe('config.not-found');
      const file = await promoteIn(name, { env: 'prod', files: [{ path: 'envs/prod/web.yaml' }], image: { name: 'ghcr.io/acme/web', tag: '1.3.0' } });
      expect(file.outcome).toBe('promoted');
    });
  });

  describe('bug 1: a pending rollback pull request is not force-updated (--push pr)', () => {
    const openPulls = (name: string) => [...world.github.state.repos.get(name)?.pulls.values() ?? []].filter((p) => p.state === 'open');

    it('a promotion that planned before a rollback opened its PR (with a hold) is refused on its retry; the rollback PR stays', async () => {
      const { name, url } = await repoWithHistory();
      const promotion = await promotionAtTheGate(name, { push: 'pr' });
      const rolled = await rollbackIn(name, 'pr');
      expect(rolled.outcome).toBe('pull-request');
      const rollbackHead = (await readRemote(url, rolled.branch, [])).head;
      promotion.release();
      const result = await promotion.running;
      expect(result).toMatchObject({ outcome: 'refused', reason: 'hold', changed: false, attempts: 2, pullRequest: { number: rolled.pullRequest!.number, action: 'unchanged' } });
      expect(result.message).toContain('promotion is on hold by alice: INC-9: 1.2.0 leaks');
      const branch = await readRemote(url, rolled.branch, ['envs/prod/web.yaml', 'ferry.yaml']);
      expect(branch.head).toBe(rollbackHead);
      expect(branch.files.get('envs/prod/web.yaml')).toContain('image: ghcr.io/acme/web:1.1.0');
      expect(branch.files.get('ferry.yaml')).toMatch(HOLD);
      expect(openPulls(name)).toHaveLength(1);
      expect(openPulls(name)[0]!.title).toMatch(/^Roll back web in prod to /);
      // A later build is refused the same way, without a rejected push.
      const later = await promoteIn(name, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.4.0' }, push: 'pr' });
      expect(later).toMatchObject({ outcome: 'refused', reason: 'hold', attempts: 1 });
      expect((await readRemote(url, rolled.branch, [])).head).toBe(rollbackHead);

      // Once the rollback PR is closed unmerged, its branch is left over and the next build replaces it.
      await fetch(`${world.github.url}/repos/${name}/pulls/${rolled.pullRequest!.number}`, {
        method: 'PATCH', headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'closed' }),
      });
      const after = await promoteIn(name, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.4.0' }, push: 'pr' });
      expect(after).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'created' } });
      expect((await readRemote(url, rolled.branch, ['envs/prod/web.yaml'])).files.get('envs/prod/web.yaml')).toContain('web:1.4.0');
      world.github.assertNoViolations();
    });

    it('a merged rollback (hold on main) refuses the retry of a PR promotion too', async () => {
      const { name, url } = await repoWithHistory();
      const promotion = await promotionAtTheGate(name, { push: 'pr' });
      const { host, repo, auth } = await connect(name);
      const history = await openGitHistory({ url: world.git.repoUrl(name), auth });
      let merged: string | undefined;
      try {
        const rolled = await rollback({
          repo, history, host: host as PullRequestHost, push: 'pr', autoMerge: true, env: 'prod', app: 'web', reason: 'INC-9: 1.2.0 leaks', by: 'alice',
          now: () => new Date('2026-01-02T03:04:05Z'), clock: realClock, retry: fastRetry,
        });
        expect(rolled).toMatchObject({ outcome: 'promoted', merge: { mode: 'merged' } });
        merged = rolled.mergeSha;
      } finally {
        await history.close();
        await repo.close();
      }
      promotion.release();
      // Its push to the promotion branch (expected: absent) is rejected, as the rollback's PR branch
      // is still there; the retry reads the hold from main.
      const result = await promotion.running;
      expect(result).toMatchObject({ outcome: 'refused', reason: 'hold', attempts: 2 });
      const main = await readRemote(url, 'main', ['envs/prod/web.yaml', 'ferry.yaml']);
      expect(main.head).toBe(merged);
      expect(main.files.get('envs/prod/web.yaml')).toContain('image: ghcr.io/acme/web:1.1.0');
      expect(main.files.get('ferry.yaml')).toMatch(HOLD);
    });
  });

  describe('bug 5: --file gets the hold and policy of the app whose file it edits', () => {
    const fileOptions = (path: string, tag: string, env = 'prod'): Partial<PromoteOptions> & { env: string } => ({
      env, files: [{ path }], image: { name: 'ghcr.io/acme/web', tag },
    });

    it('a held file is refused through --file exactly as through --app, whatever the path spelling or --env', async () => {
      const { name, url } = await newRepo(seedConfigRepo(['web'], { hold: 'rolled back 1.0.1' }));
      const before = (await readRemote(url, 'main', [])).head;
      const viaApp = await promoteIn(name, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.1.0' } });
      for (const [path, env] of [['envs/prod/web.yaml', 'prod'], ['./envs/prod/web.yaml', 'prod'], ['/envs/prod/web.yaml', 'prod'], ['envs/prod/web.yaml', 'dev']] as const) {
        const viaFile = await promoteIn(name, fileOptions(path, '1.1.0', env));
        expect(viaFile, `${path} --env ${env}`).toMatchObject({ outcome: 'refused', reason: 'hold', changed: false });
        if (env === 'prod') expect(viaFile).toMatchObject({ app: 'web', message: viaApp.message });
        else expect(viaFile.message).toBe('app "web" (environment prod) in ferry.yaml governs the image in envs/prod/web.yaml: promotion is on hold by oncall: rolled back 1.0.1');
      }
      expect(viaApp).toMatchObject({ outcome: 'refused', reason: 'hold' });
      expect((await readRemote(url, 'main', [])).head).toBe(before);
    });

    it('a version the app\'s policy denies is refused through --file', async () => {
      const { name, url } = await newRepo(seedConfigRepo(['web'], { prodPolicy: '{ deny: ["-rc"] }' }));
      const before = (await readRemote(url, 'main', [])).head;
      const denied = await promoteIn(name, fileOptions('envs/prod/web.yaml', '1.1.0-rc1'));
      expect(denied).toMatchObject({ outcome: 'refused', reason: 'denied', app: 'web' });
      expect((await readRemote(url, 'main', [])).head).toBe(before);
      // Allowed versions go through, recorded as the app's promotion.
      const ok = await promoteIn(name, fileOptions('envs/prod/web.yaml', '1.1.0'));
      expect(ok).toMatchObject({ outcome: 'promoted', app: 'web' });
    });

    it('an ungoverned file (not in ferry.yaml, or another image) still promotes', async () => {
      const seed = { ...seedConfigRepo(['web'], { hold: 'frozen' }), 'other/web.yaml': deploymentYaml('web', 'ghcr.io/acme/web:1.0.0'), 'envs/prod/sidecar.yaml': deploymentYaml('web', 'ghcr.io/other/web:1.0.0') };
      const { name, url } = await newRepo(seed);
      const other = await promoteIn(name, fileOptions('other/web.yaml', '1.1.0'));
      expect(other.outcome).toBe('promoted');
      const image = await promoteIn(name, { env: 'prod', files: [{ path: 'envs/prod/sidecar.yaml' }], image: { name: 'ghcr.io/other/web', tag: '2.0.0' } });
      expect(image.outcome).toBe('promoted');
      const main = await readRemote(url, 'main', ['other/web.yaml', 'envs/prod/sidecar.yaml', 'envs/prod/web.yaml']);
      expect(main.files.get('other/web.yaml')).toContain('web:1.1.0');
      expect(main.files.get('envs/prod/sidecar.yaml')).toContain('ghcr.io/other/web:2.0.0');
      expect(main.files.get('envs/prod/web.yaml')).toContain('web:1.0.0');
    });

    it('a file two apps govern: the strictest guard refuses; with no refusal it is ambiguous (exit 2), pushing nothing', async () => {
      const config = [
        'environments:',
        '  prod: { branch: main }',
        'apps:',
        '  web:',
        '    image: ghcr.io/acme/web',
        '    environments: { prod: { files: [shared.yaml] } }',
        '  web-canary:',
        '    image: ghcr.io/acme/web',
        '    environments: { prod: { files: [shared.yaml], policy: { semver: "<2" } } }',
        '',
      ].join('\n');
      const { name, url } = await newRepo({ 'ferry.yaml': config, 'shared.yaml': deploymentYaml('web', 'ghcr.io/acme/web:1.0.0') });
      const before = (await readRemote(url, 'main', [])).head;
      const strict = await promoteIn(name, { ...fileOptions('shared.yaml', '2.0.0') });
      expect(strict).toMatchObject({ outcome: 'refused', reason: 'semver-range' });
      expect(strict.message).toContain('app "web-canary" (environment prod) in ferry.yaml governs the image in shared.yaml');
      // --app web edits web-canary's image too: web-canary's policy applies.
      expect(await promoteIn(name, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '2.0.0' } })).toMatchObject({ outcome: 'refused', reason: 'semver-range' });
      const err = await promoteIn(name, fileOptions('shared.yaml', '1.5.0')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'input.ambiguous' });
      expect((err as FerryError).message).toBe('shared.yaml is governed in ferry.yaml by web (environment prod), web-canary (environment prod), not by one app of environment prod');
      expect((await readRemote(url, 'main', [])).head).toBe(before);
    });

    it('--push pr: a governed --file promotion is the app\'s promotion (its branch, its trailers)', async () => {
      const { name, url } = await newRepo();
      const viaFile = await promoteIn(name, { ...fileOptions('envs/prod/web.yaml', '1.1.0'), push: 'pr' });
      expect(viaFile).toMatchObject({ outcome: 'pull-request', app: 'web' });
      const viaApp = await promoteIn(name, { env: 'prod', app: 'web', image: { name: 'ghcr.io/acme/web', tag: '1.2.0' }, push: 'pr' });
      expect(viaApp).toMatchObject({ outcome: 'pull-request', branch: viaFile.branch, pullRequest: { number: viaFile.pullRequest!.number, action: 'updated' } });
      const { repo } = await connect(name);
      try {
        const head = (await repo.fetchBranch(viaFile.branch))!;
        expect(await repo.readCommitMessage(head)).toContain('Ferry-App: web\n');
      } finally {
        await repo.close();
      }
      void url;
    });
  });
});
