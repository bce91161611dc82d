// A group promotion against a real Gitea (the same adapter speaks to Forgejo): one pull request for
// the group, updated in place by the next run of the group, merged with --wait-merged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitea, type GiteaRepo, type TestGitea } from '@ferry/testenv';
import { connectGiteaHost } from './adapters/gitea-host.js';
import { openGitWorkspace } from './adapters/git-workspace.js';
import { promoteGroup, type GroupImage, type PromoteGroupOptions } from './promote-group.js';
import { fastRetry, readRemote, realClock, seedConfigRepo } from './test/promote-fixtures.js';

interface GiteaPull { number: number; state: string; title: string; merged: boolean; head: { ref: string; sha: string } }

const APPS = ['web', 'api', 'worker'];
const image = (app: string, tag: string): GroupImage => ({ image: { name: `ghcr.io/acme/${app}`, tag } });

describe('promoteGroup --push pr against a real Gitea', () => {
  let gitea: TestGitea;
  beforeAll(async () => {
    gitea = await startGitea();
  }, 120_000);
  afterAll(async () => {
    await gitea?.close();
  });

  async function groupIn(repo: GiteaRepo, options: Partial<PromoteGroupOptions> & { env: string; images: GroupImage[] }) {
    const { host, gitAuth } = connectGiteaHost({ owner: repo.owner, repo: repo.name, token: gitea.admin.token, apiUrl: gitea.url, retry: { baseDelayMs: 20, maxDelayMs: 500, attempts: 40 } });
    const workspace = await openGitWorkspace({ url: repo.cloneUrl, auth: await gitAuth() });
    try {
      return await promoteGroup({ repo: workspace, host, push: 'pr', clock: realClock, retry: fastRetry, pollMs: 50, ...options });
    } finally {
      await workspace.close();
    }
  }

  it('one pull request for three apps, updated in place by the next run (newest per app), then merged', async () => {
    const repo = await gitea.createRepo('group-config', { files: seedConfigRepo(APPS) });
    const first = await groupIn(repo, { env: 'dev', images: [image('web', '1.1.0'), image('api', '2.0.0'), image('worker', '3.0.0')] });
    expect(first).toMatchObject({ outcome: 'pull-request', pullRequest: { action: 'created' } });
    expect(first.branch).toMatch(/^ferry\/dev\/group\+[0-9a-f]{12}$/);
    const open = () => gitea.api<GiteaPull[]>('GET', `/repos/${repo.fullName}/pulls?state=open`);
    const [pr] = await open();
    expect(pr).toMatchObject({ title: 'Promote web 1.1.0, api 2.0.0, worker 3.0.0 to dev', head: { ref: first.branch } });

    const second = await groupIn(repo, { env: 'dev', images: [image('web', '1.2.0'), image('api', '1.9.0'), image('worker', '3.0.0')], waitMergedMs: 60_000, autoMerge: true });
    expect(second).toMatchObject({ outcome: 'promoted', pullRequest: { number: pr!.number, action: 'updated' } });
    const main = await readRemote(repo.cloneUrl, 'main', APPS.map((a) => `envs/dev/${a}.yaml`));
    expect(main.head).toBe(second.mergeSha);
    expect(main.files.get('envs/dev/web.yaml')).toContain('ghcr.io/acme/web:1.2.0');
    expect(main.files.get('envs/dev/api.yaml')).toContain('ghcr.io/acme/api:2.0.0');
    expect(main.files.get('envs/dev/worker.yaml')).toContain('ghcr.io/acme/worker:3.0.0');
    expect(await open()).toHaveLength(0);
  }, 120_000);
});
