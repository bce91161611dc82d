// `ferry promote --forge gitea` against a real Gitea (built by the test environment): --push pr
// --auto-merge --wait-merged end to end through the CLI, a second build updating the PR in place,
// the token from FERRY_GITEA_TOKEN never printed; flag checks exit 2 before anything is pushed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitea, type TestGitea } from '@ferry/testenv';
import { openGitWorkspace } from '@ferry/promoter';
import { formatStatusContext } from '@ferry/manifest-model';
import { main } from '../main.js';
import { resolveForgeRepo } from './connect-repo.js';

const SEED = {
  'ferry.yaml': [
    'environments:',
    '  dev: { branch: main }',
    'apps:',
    '  web:',
    '    image: ghcr.io/acme/web',
    '    environments:',
    '      dev: { files: [envs/dev/web.yaml] }',
    '',
  ].join('\n'),
  'envs/dev/web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
};

describe('ferry promote --forge gitea', () => {
  let gitea: TestGitea;
  let n = 0;
  beforeAll(async () => {
    gitea = await startGitea();
  }, 120_000);
  afterAll(async () => {
    await gitea?.close();
  });

  async function ferry(args: string[], env: Record<string, string> = { FERRY_GITEA_TOKEN: gitea.admin.token }): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(['promote', ...args], { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: '/', env });
    expect(`${stdout}\n${stderr}`).not.toContain(gitea.admin.token);
    return { code, stdout, stderr };
  }
  const mainFile = async (url: string): Promise<{ head: string | null; text: string | null | undefined }> => {
    const ws = await openGitWorkspace({ url });
    try {
      const head = await ws.fetchBranch('main');
      return { head, text: head ? (await ws.readFiles(head, ['envs/dev/web.yaml'])).get('envs/dev/web.yaml') : undefined };
    } finally {
      await ws.close();
    }
  };

  it('opens one pull request, a second build updates it, --auto-merge --wait-merged merges it', async () => {
    const repo = await gitea.createRepo(`cli${n++}`, { files: SEED });
    const first = await ferry(['--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'created' } });
    const number = JSON.parse(first.stdout).pullRequest.number as number;

    const second = await ferry(['--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0', '--auto-merge', '--wait-merged', '--timeout', '60s', '--json']);
    expect(second.code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout);
    expect(result).toMatchObject({ outcome: 'promoted', pullRequest: { number, action: 'updated' } });
    const after = await mainFile(repo.cloneUrl);
    expect(result.mergeSha).toBe(after.head);
    expect(after.text).toContain('web:1.2.0');
    const pulls = await gitea.api<{ number: number; merged: boolean }[]>('GET', `/repos/${repo.fullName}/pulls?state=all`);
    expect(pulls).toEqual([expect.objectContaining({ number, merged: true })]);

    let out = '';
    const status = await main(['status', '--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'dev', '--json'], { stdout: { write: (c: string) => (out += c) }, stderr: { write: () => true }, cwd: '/', env: { FERRY_GITEA_TOKEN: gitea.admin.token } });
    expect(status).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ env: 'dev', branch: 'main' });
    expect(out).toContain('1.2.0');
    expect(out).not.toContain(gitea.admin.token);
  }, 120_000);

  it('--wait-live reads the statuses agents post to Gitea; ferry status shows the cluster', async () => {
    const repo = await gitea.createRepo(`cli${n++}`, { files: SEED });
    const seeded = (await gitea.api<{ commit: { id: string } }>('GET', `/repos/${repo.fullName}/branches/main`)).commit.id;
    const context = formatStatusContext('dev-1', { namespace: 'apps', name: 'web' });
    // Play the agent: once main moves (the merge), report the new commit applied and healthy.
    const agent = (async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const head = (await gitea.api<{ commit: { id: string } }>('GET', `/repos/${repo.fullName}/branches/main`)).commit.id;
        if (head !== seeded) {
          await gitea.api('POST', `/repos/${repo.fullName}/statuses/${head}`, { state: 'success', context, description: 'applied and healthy' });
          return head;
        }
        if (Date.now() > deadline) throw new Error('main never moved');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const run = await ferry(['--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:2.0.0', '--auto-merge', '--wait-live', '--clusters', 'dev-1', '--timeout', '60s', '--json']);
    const reported = await agent;
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ outcome: 'promoted', mergeSha: reported, live: { outcome: 'live' } });

    let out = '';
    expect(await main(['status', '--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'dev', '--json'], { stdout: { write: (c: string) => (out += c) }, stderr: { write: () => true }, cwd: '/', env: { FERRY_GITEA_TOKEN: gitea.admin.token } })).toBe(0);
    expect(out).toContain('dev-1');
  }, 120_000);

  it('OWNER/NAME with --api-url works like the git URL', async () => {
    const repo = await gitea.createRepo(`cli${n++}`, { files: SEED });
    const run = await ferry(['--forge', 'gitea', '--repo', repo.fullName, '--api-url', gitea.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'pull-request', branch: 'ferry/dev/web' });
  }, 60_000);

  it('without FERRY_GITEA_TOKEN, --push pr exits 2 naming it; a wrong token exits 5; nothing is pushed', async () => {
    const repo = await gitea.createRepo(`cli${n++}`, { files: SEED });
    const before = await mainFile(repo.cloneUrl);
    const missing = await ferry(['--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('FERRY_GITEA_TOKEN');
    const wrong = await ferry(['--forge', 'gitea', '--repo', repo.cloneUrl, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.1.0'], { FERRY_GITEA_TOKEN: 'b'.repeat(40) });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).not.toContain('b'.repeat(40));
    expect(await mainFile(repo.cloneUrl)).toEqual(before);
    expect(await gitea.api<unknown[]>('GET', `/repos/${repo.fullName}/pulls?state=all`)).toEqual([]);
  }, 60_000);

  it('ferry.yaml names the forge: no --forge opens a Gitea pull request; --forge github and --api-url beat the file', async () => {
    const withForge = (extra: string): Record<string, string> => ({ ...SEED, 'ferry.yaml': `${extra}\n${SEED['ferry.yaml']}` });
    const repo = await gitea.createRepo(`cli${n++}`, { files: withForge(`forge: gitea\napiUrl: ${gitea.url}`) });
    const run = await ferry(['--repo', repo.cloneUrl, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.4.0', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`ferry.yaml: forge gitea, API ${gitea.url}`);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'pull-request', branch: 'ferry/dev/web', pullRequest: { action: 'created' } });
    expect(await gitea.api<unknown[]>('GET', `/repos/${repo.fullName}/pulls?state=open`)).toHaveLength(1);

    // --forge github: the URL is not GitHub's, so plain git: a direct commit to main, no pull request.
    const direct = await ferry(['--forge', 'github', '--repo', repo.cloneUrl, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.5.0', '--json'], { FERRY_GIT_PASSWORD: gitea.admin.token });
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stderr).not.toContain('ferry.yaml: forge');
    expect(JSON.parse(direct.stdout)).toMatchObject({ outcome: 'promoted', branch: 'main' });
    expect((await mainFile(repo.cloneUrl)).text).toContain('web:1.5.0');

    // --api-url beats ferry.yaml's apiUrl (which here answers nothing).
    const other = await gitea.createRepo(`cli${n++}`, { files: withForge('forge: gitea\napiUrl: http://127.0.0.1:9') });
    const flagged = await ferry(['--repo', other.cloneUrl, '--api-url', gitea.url, '--env', 'dev', '--app', 'web', '--image', 'ghcr.io/acme/web:1.6.0', '--json']);
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(JSON.parse(flagged.stdout)).toMatchObject({ outcome: 'pull-request' });
  }, 90_000);

  it('refuses bad --forge values and flags of the other forge (exit 2)', async () => {
    expect((await ferry(['--forge', 'gitlab', '--repo', 'a/b', '--env', 'dev', '--app', 'web', '--image', 'x:1'])).code).toBe(2);
    expect((await ferry(['--forge', 'gitea', '--repo', 'a/b', '--env', 'dev', '--app', 'web', '--image', 'x:1'])).stderr).toContain('--api-url');
    expect((await ferry(['--forge', 'gitea', '--repo', 'http://h/a/b.git', '--github-repo', 'a/b', '--env', 'dev', '--app', 'web', '--image', 'x:1'])).code).toBe(2);
  });

  it('derives the API from the git URL, also under a sub-path', () => {
    expect(resolveForgeRepo({ repo: 'https://git.example.com/acme/config.git', forge: 'gitea' })).toMatchObject({ owner: 'acme', name: 'config', apiUrl: 'https://git.example.com/api/v1', forge: 'gitea' });
    expect(resolveForgeRepo({ repo: 'https://example.com/git/acme/config.git', forge: 'gitea' })).toMatchObject({ apiUrl: 'https://example.com/git/api/v1' });
    expect(resolveForgeRepo({ repo: 'acme/config', forge: 'gitea', apiUrl: 'https://g.example.com/api/v1/' })).toMatchObject({ gitUrl: 'https://g.example.com/acme/config.git', apiUrl: 'https://g.example.com/api/v1' });
    expect(resolveForgeRepo({ repo: 'acme/config', forge: 'github', apiUrl: 'https://ghe.example.com/api/v3' })).toMatchObject({ apiUrl: 'https://ghe.example.com/api/v3', onGitHub: true });
  });
});
