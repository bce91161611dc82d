// `ferry rollback` and `ferry status` against a real Gitea (built by the test environment): the
// rollback goes through a pull request Gitea merges, sets the hold in ferry.yaml, the hold refuses the
// next automated promotion, --release lifts it through a second pull request; the token never printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitea, type GiteaRepo, type TestGitea } from '@ferry/testenv';
import { openGitWorkspace } from '@ferry/promoter';
import { main } from '../main.js';

const CONFIG = [
  'environments:',
  '  prod: { branch: main }',
  'apps:',
  '  web:',
  '    image: ghcr.io/acme/web',
  '    environments:',
  '      prod: { files: [envs/prod/web.yaml] }',
  '',
].join('\n');

describe('ferry rollback --forge gitea', () => {
  let gitea: TestGitea;
  beforeAll(async () => {
    gitea = await startGitea();
  }, 120_000);
  afterAll(async () => {
    await gitea?.close();
  });

  async function ferry(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: '/',
      env: { FERRY_GITEA_TOKEN: gitea.admin.token, GITHUB_ACTOR: 'ci-bot' },
    });
    expect(`${stdout}\n${stderr}`).not.toContain(gitea.admin.token);
    return { code, stdout, stderr };
  }
  const readMain = async (repo: GiteaRepo): Promise<Map<string, string | null>> => {
    const ws = await openGitWorkspace({ url: repo.cloneUrl });
    try {
      const head = (await ws.fetchBranch('main'))!;
      return await ws.readFiles(head, ['envs/prod/web.yaml', 'ferry.yaml']);
    } finally {
      await ws.close();
    }
  };
  const pulls = (repo: GiteaRepo) => gitea.api<{ number: number; title: string; body: string; merged: boolean }[]>('GET', `/repos/${repo.fullName}/pulls?state=all&sort=oldest`);

  it('rolls back through a pull request Gitea merges, holds, refuses the next promotion, and releases', async () => {
    const repo = await gitea.createRepo('rollback', { files: { 'ferry.yaml': CONFIG, 'envs/prod/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n' } });
    const at = ['--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'prod', '--app', 'web'];
    for (const tag of ['1.1.0', '1.2.0']) {
      const promoted = await ferry(['promote', ...at, '--image', `ghcr.io/acme/web:${tag}`, '--auto-merge', '--wait-merged', '--timeout', '60s']);
      expect(promoted.code, promoted.stderr).toBe(0);
    }
    expect((await readMain(repo)).get('envs/prod/web.yaml')).toBe('image: ghcr.io/acme/web:1.2.0\n');

    const rolled = await ferry(['rollback', ...at, '--reason', 'INC-7: 1.2.0 leaks memory', '--auto-merge', '--wait-merged', '--timeout', '60s', '--json']);
    expect(rolled.code, rolled.stderr).toBe(0);
    const result = JSON.parse(rolled.stdout) as { outcome: string; mergeSha: string; pullRequest: { number: number }; rollback: { hold: { reason: string; by: string } } };
    expect(result).toMatchObject({ outcome: 'promoted', rollback: { hold: { reason: 'INC-7: 1.2.0 leaks memory', by: 'ci-bot' } } });
    const head = (await gitea.api<{ commit: { id: string } }>('GET', `/repos/${repo.fullName}/branches/main`)).commit.id;
    expect(result.mergeSha).toBe(head);
    const files = await readMain(repo);
    expect(files.get('envs/prod/web.yaml')).toBe('image: ghcr.io/acme/web:1.1.0\n');
    expect(files.get('ferry.yaml')).toContain('hold: { reason: "INC-7: 1.2.0 leaks memory", by: "ci-bot", since: "');
    const rollbackPull = (await pulls(repo)).find((p) => p.number === result.pullRequest.number)!;
    expect(rollbackPull).toMatchObject({ title: 'Roll back web in prod to 1.1.0', merged: true });
    expect(rollbackPull.body).toMatch(/^\*\*Rollback\*\* from `ghcr.io\/acme\/web:1.2.0`/);

    // ferry status reads the same history through Gitea.
    const status = await ferry(['status', '--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'prod', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('1.1.0');
    expect(status.stdout).toContain('INC-7: 1.2.0 leaks memory');

    // The hold refuses an automated promotion (exit 4), nothing opened.
    const refused = await ferry(['promote', ...at, '--image', 'ghcr.io/acme/web:1.3.0', '--auto-merge', '--wait-merged', '--timeout', '60s']);
    expect(refused.code, refused.stderr).toBe(4);
    expect(`${refused.stdout}${refused.stderr}`).toContain('INC-7: 1.2.0 leaks memory');
    const before = (await pulls(repo)).length;

    // --release lifts the hold through a pull request; --auto-merge is Gitea's "merge when checks
    // succeed" (no required checks here: Gitea merges it at once, in its queue). Promotions go
    // through again.
    const release = await ferry(['rollback', ...at, '--release', '--auto-merge', '--json']);
    expect(release.code, release.stderr).toBe(0);
    const released = JSON.parse(release.stdout) as { pullRequest: { number: number } };
    expect(release.stdout).toMatch(/releasing the hold on web in prod; it merges when its checks pass|released the hold on web in prod/);
    const deadline = Date.now() + 60_000;
    let all = await pulls(repo);
    while (!all.find((p) => p.number === released.pullRequest.number)?.merged) {
      if (Date.now() > deadline) throw new Error(`Gitea never merged the release pull request: ${JSON.stringify(all)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      all = await pulls(repo);
    }
    expect(all).toHaveLength(before + 1);
    expect(all[all.length - 1]).toMatchObject({ number: released.pullRequest.number, title: 'Release the hold on web in prod', merged: true });
    expect((await readMain(repo)).get('ferry.yaml')).toBe(CONFIG);
    const again = await ferry(['promote', ...at, '--image', 'ghcr.io/acme/web:1.3.0', '--auto-merge', '--wait-merged', '--timeout', '60s']);
    expect(again.code, again.stderr).toBe(0);
    expect((await readMain(repo)).get('envs/prod/web.yaml')).toBe('image: ghcr.io/acme/web:1.3.0\n');
  }, 180_000);
});
