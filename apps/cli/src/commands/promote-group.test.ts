// `ferry promote` with several --image (a group promotion), in process, against git http-backend and
// the GitHub stand-in: flags, exit codes, --json per app and overall, the job summary.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, startEmulatorWorld, TEST_CLI_GITHUB_TOKEN, type EmulatorWorld } from '@ferry/testenv';
import { openGitWorkspace } from '@ferry/promoter';
import { main } from '../main.js';

const TOKEN = TEST_CLI_GITHUB_TOKEN;
const APPS = ['web', 'api', 'worker'];

function seed(heldApp?: string): Record<string, string> {
  const lines = ['environments:', '  dev: { branch: main }', 'apps:'];
  const files: Record<string, string> = {};
  for (const app of APPS) {
    lines.push(`  ${app}:`, `    image: ghcr.io/acme/${app}`, '    environments:', `      dev: { files: [envs/dev/${app}.yaml]${app === heldApp ? ', hold: { reason: "INC-12", by: bob }' : ''} }`);
    files[`envs/dev/${app}.yaml`] = `image: ghcr.io/acme/${app}:1.0.0\n`;
  }
  // Two apps sharing one image repository: only APP=IMAGE can tell them apart.
  lines.push('  twin-a:', '    image: ghcr.io/acme/twin', '    environments:', '      dev: { files: [envs/dev/twin-a.yaml] }');
  lines.push('  twin-b:', '    image: ghcr.io/acme/twin', '    environments:', '      dev: { files: [envs/dev/twin-b.yaml] }');
  files['envs/dev/twin-a.yaml'] = 'image: ghcr.io/acme/twin:1.0.0\n';
  files['envs/dev/twin-b.yaml'] = 'image: ghcr.io/acme/twin:1.0.0\n';
  return { 'ferry.yaml': `${lines.join('\n')}\n`, ...files };
}

async function readMain(url: string, paths: string[]): Promise<{ head: string | null; files: Map<string, string | null> }> {
  const ws = await openGitWorkspace({ url });
  try {
    const head = await ws.fetchBranch('main');
    return { head, files: head ? await ws.readFiles(head, paths) : new Map() };
  } finally {
    await ws.close();
  }
}

interface GroupJson {
  outcome: string;
  exitCode: number;
  changed: boolean;
  message: string;
  refusedApps?: string[];
  apps: { app: string; outcome: string; exitCode: number; image: string; message: string }[];
  pullRequest?: { number: number; url: string };
  mergeSha?: string;
}

describe('ferry promote --image ... --image ... (a group)', () => {
  let world: EmulatorWorld;
  let scratch: string;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN] });
    scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-group-'));
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function repo(heldApp?: string): Promise<{ name: string; url: string }> {
    const name = `acme/cligroup${n++}`;
    return { name, ...(await world.git.createRepo(name, { seed: seed(heldApp) })) };
  }

  async function ferry(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(['promote', ...args], {
      stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: scratch, env,
    });
    expectNoSecrets(`${stdout}\n${stderr}`, `ferry promote ${args.join(' ')}`);
    return { code, stdout, stderr };
  }

  const images = ['--image', 'ghcr.io/acme/web:1.1.0', '--image', 'api=ghcr.io/acme/api:2.0.0', '--image', 'ghcr.io/acme/worker:3.0.0'];

  it('--push direct: one commit for three apps; --json has each app with its exit code; the job summary a row per app', async () => {
    const { url } = await repo();
    const summary = join(scratch, 'summary-direct.md');
    await writeFile(summary, '');
    const { code, stdout } = await ferry(['--repo', url, '--env', 'dev', '--push', 'direct', ...images, '--json'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    const json = JSON.parse(stdout) as GroupJson;
    expect(code).toBe(0);
    expect(json).toMatchObject({ outcome: 'promoted', exitCode: 0, changed: true });
    expect(json.apps.map((a) => [a.app, a.outcome, a.exitCode, a.image])).toEqual([
      ['web', 'promoted', 0, 'ghcr.io/acme/web:1.1.0'], ['api', 'promoted', 0, 'ghcr.io/acme/api:2.0.0'], ['worker', 'promoted', 0, 'ghcr.io/acme/worker:3.0.0'],
    ]);
    const main = await readMain(url, APPS.map((a) => `envs/dev/${a}.yaml`));
    expect(main.head).toBe(json.mergeSha);
    expect([...main.files.values()]).toEqual(['image: ghcr.io/acme/web:1.1.0\n', 'image: ghcr.io/acme/api:2.0.0\n', 'image: ghcr.io/acme/worker:3.0.0\n']);
    const md = await readFile(summary, 'utf8');
    expect(md).toContain('### ferry promote: web, api, worker → dev');
    expect(md).toContain('| api | promoted | `1.0.0` | `2.0.0` | `ghcr.io/acme/api:2.0.0` |');
  });

  it('one app on hold: exit 4, nothing pushed, the message and --json name the held app; the others are blocked', async () => {
    const { url } = await repo('api');
    const before = (await readMain(url, [])).head;
    const human = await ferry(['--repo', url, '--env', 'dev', '--push', 'direct', ...images]);
    expect(human.code).toBe(4);
    expect(human.stdout).toContain('group refused, nothing pushed: api: promotion is on hold by bob: INC-12');
    expect(human.stdout).toMatch(/^ {2}api: refused 1\.0\.0 -> 2\.0\.0 \(promotion is on hold by bob: INC-12\)$/m);
    expect(human.stdout).toMatch(/^ {2}web: blocked /m);
    const { code, stdout } = await ferry(['--repo', url, '--env', 'dev', '--push', 'direct', ...images, '--json']);
    const json = JSON.parse(stdout) as GroupJson;
    expect(code).toBe(4);
    expect(json).toMatchObject({ outcome: 'refused', exitCode: 4, changed: false, refusedApps: ['api'] });
    expect(json.apps.map((a) => [a.app, a.outcome, a.exitCode])).toEqual([['web', 'blocked', 4], ['api', 'refused', 4], ['worker', 'blocked', 4]]);
    expect((await readMain(url, [])).head).toBe(before);
  });

  it('--push pr with --auto-merge: one pull request for the group, merged', async () => {
    const { name, url } = await repo();
    const { code, stdout } = await ferry(['--repo', url, '--github-api-url', world.github.url, '--env', 'dev', ...images, '--auto-merge', '--json'], { FERRY_GITHUB_TOKEN: TOKEN });
    const json = JSON.parse(stdout) as GroupJson;
    expect(code).toBe(0);
    expect(json).toMatchObject({ outcome: 'promoted', pullRequest: { number: expect.any(Number) } });
    const pulls = [...world.github.state.repos.get(name)!.pulls.values()];
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.title).toBe('Promote web 1.1.0, api 2.0.0, worker 3.0.0 to dev');
    expect(pulls[0]!.headRef).toMatch(/^ferry\/dev\/group\+[0-9a-f]{12}$/);
    expect((await readMain(url, [])).head).toBe(json.mergeSha);
    world.github.assertNoViolations();
  });

  it('--dry-run: the diff of every app, nothing pushed', async () => {
    const { url } = await repo();
    const before = (await readMain(url, [])).head;
    const { code, stdout } = await ferry(['--repo', url, '--env', 'dev', '--push', 'direct', ...images, '--dry-run']);
    expect(code).toBe(0);
    expect(stdout).toContain('dry run: would commit to main: web, api, worker');
    for (const [app, tag] of [['web', '1.1.0'], ['api', '2.0.0'], ['worker', '3.0.0']]) expect(stdout).toContain(`+image: ghcr.io/acme/${app}:${tag}`);
    expect((await readMain(url, [])).head).toBe(before);
  });

  it('APP=IMAGE names apps that share an image repository; without it the image is ambiguous (exit 2, nothing pushed)', async () => {
    const { url } = await repo();
    const before = (await readMain(url, [])).head;
    const ambiguous = await ferry(['--repo', url, '--env', 'dev', '--push', 'direct', '--image', 'ghcr.io/acme/twin:2.0.0', '--image', 'ghcr.io/acme/web:1.1.0']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('apps twin-a, twin-b of environment dev all have the image ghcr.io/acme/twin');
    expect((await readMain(url, [])).head).toBe(before);
    const named = await ferry(['--repo', url, '--env', 'dev', '--push', 'direct', '--image', 'twin-b=ghcr.io/acme/twin:2.0.0', '--image', 'twin-a=ghcr.io/acme/twin:1.5.0']);
    expect(named.code).toBe(0);
    const main = await readMain(url, ['envs/dev/twin-a.yaml', 'envs/dev/twin-b.yaml']);
    expect([...main.files.values()]).toEqual(['image: ghcr.io/acme/twin:1.5.0\n', 'image: ghcr.io/acme/twin:2.0.0\n']);
  });

  it.each([
    [['--app', 'web'], 'takes no --app'],
    [['--tag', '1.2.3'], 'takes no --tag'],
    [['--from-env', 'prod'], 'takes no --from-env'],
    [['--file', 'envs/dev/web.yaml'], 'takes no --file'],
  ])('bad input: several --image with %j exits 2 before anything is fetched', async (extra, message) => {
    const { code, stderr } = await ferry(['--repo', 'http://127.0.0.1:9/nothing.git', '--env', 'dev', ...images, ...extra]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it.each([
    [['--image', 'web=ghcr.io/acme/web:1.1.0'], 'APP=IMAGE names the app of one image in a group'],
    [['--image', 'ghcr.io/acme/web:1.1.0', '--image', 'ghcr.io/acme/api'], 'has no tag or digest'],
    [['--image', 'Web!=ghcr.io/acme/web:1.1.0', '--image', 'ghcr.io/acme/api:1.0.0'], 'is not a valid name'],
    [['--image', 'web=ghcr.io/acme/web:1.1.0', '--image', 'web=ghcr.io/acme/web:1.2.0'], 'app web is given twice'],
  ])('bad input: %j exits 2', async (args, message) => {
    const { code, stderr } = await ferry(['--repo', 'http://127.0.0.1:9/nothing.git', '--env', 'dev', ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
