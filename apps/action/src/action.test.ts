// action.yml and its one bundled file, tested as GitHub runs them: the metadata validated against
// the Actions metadata schema (authored from GitHub's documented syntax, action-metadata.schema.json)
// plus the cross-references a schema cannot see; the committed bundle rebuilt and compared byte for
// byte; then `node apps/action/bundle/index.mjs` run as the runner runs it (INPUT_* variables named
// by GitHub's rules, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files) against git http-backend and the
// GitHub stand-in.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, runGit, startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import { ACTION_INPUTS, inputVariable, readActionInputs } from './action-inputs.js';
import { ACTION_OUTPUTS, actionOutputs, formatOutputFile } from './action-outputs.js';
import schema from './action-metadata.schema.json' with { type: 'json' };

const root = join(import.meta.dirname, '..', '..', '..');
const BUNDLE = join(root, 'apps/action/bundle/index.mjs');
const run = promisify(execFile);
type Metadata = { inputs: Record<string, { default?: string; required?: boolean }>; outputs: Record<string, { value?: string }>; runs: { using: string; main: string } };
let action: Metadata;
let actionText: string;
const validate = new Ajv({ allErrors: true }).compile(schema);

beforeAll(async () => {
  actionText = await readFile(join(root, 'action.yml'), 'utf8');
  action = parse(actionText) as Metadata;
});

/** The runner's environment for a step: INPUT_<NAME> per `with:` value, named by GitHub's rules. */
function inputs(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [inputVariable(name), value]));
}

describe('action.yml metadata', () => {
  it('is valid Actions metadata for a node20 action whose main is the committed bundle', async () => {
    expect(validate(action), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(action.runs).toEqual({ using: 'node20', main: 'apps/action/bundle/index.mjs' });
    // Committed, and not ignored: a tag of this repository is all a workflow downloads.
    expect((await runGit(['-C', root, 'check-ignore', '--no-index', '-q', action.runs.main])).code).toBe(1);
  });

  it.each([
    ['an input without description', (a: Record<string, unknown>) => ({ ...a, inputs: { x: { required: true } } })],
    ['an unknown runner', (a: Record<string, unknown>) => ({ ...a, runs: { using: 'node12', main: 'x.js' } })],
    ['a node action without main', (a: Record<string, unknown>) => ({ ...a, runs: { using: 'node20' } })],
    ['a run step without shell', (a: Record<string, unknown>) => ({ ...a, runs: { using: 'composite', steps: [{ run: 'echo' }] } })],
    ['a branding colour GitHub does not offer', (a: Record<string, unknown>) => ({ ...a, branding: { icon: 'truck', color: 'pink' } })],
    ['a misspelled top-level key', (a: Record<string, unknown>) => ({ ...a, output: {} })],
  ])('the schema rejects %s', (_name, mutate) => {
    expect(validate(mutate(action as unknown as Record<string, unknown>))).toBe(false);
  });

  it('declares exactly the inputs the entry point reads and the outputs it writes; no shell, no ${{ inputs }} anywhere', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...ACTION_INPUTS].sort());
    expect(Object.keys(action.outputs).sort()).toEqual([...ACTION_OUTPUTS].sort());
    // Inputs reach the bundle as environment variables set by the runner: nothing is spliced into a script.
    expect(actionText).not.toMatch(/\$\{\{\s*inputs\./);
    expect(actionText).not.toMatch(/^\s*(run|shell|steps):/m);
  });
});

describe('the committed bundle', () => {
  it('is what `npm run build:action` builds from the sources now, and a few MB at most', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'ferry-action-build-'));
    try {
      await run(process.execPath, [join(root, 'apps/action/build.mjs'), join(scratch, 'index.mjs')], { cwd: root });
      for (const file of ['index.mjs', 'licenses.txt']) {
        const fresh = await readFile(join(scratch, file));
        const committed = await readFile(join(root, 'apps/action/bundle', file));
        expect(committed.equals(fresh), `apps/action/bundle/${file} is stale: run npm run build:action and commit it`).toBe(true);
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    expect((await stat(BUNDLE)).size).toBeLessThan(3 * 1024 * 1024);
  }, 60_000);

  it('runs from a copy of the bundle alone, outside the repository (nothing installed): a missing input is exit 2, an annotation and outcome=error', async () => {
    // The start time is measured in docs/action.md, not asserted here: a timed test flakes on a busy machine.
    const scratch = await mkdtemp(join(tmpdir(), 'ferry-action-start-'));
    try {
      const copy = join(scratch, 'index.mjs');
      await writeFile(copy, await readFile(BUNDLE));
      const result = await run(process.execPath, [copy], { cwd: scratch, env: { PATH: process.env['PATH'], GITHUB_OUTPUT: join(scratch, 'out'), ...inputs({ env: 'prod' }) } })
        .then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
      expect(result).toMatchObject({ code: 2, stderr: '::error title=ferry promote::input repo: is required (hint: set it under "with:" (docs/action.md))\n' });
      expect(await readFile(join(scratch, 'out'), 'utf8')).toBe('outcome=error\n');
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('readActionInputs', () => {
  it('reads INPUT_ variables with hyphens kept, as the runner names them', () => {
    expect(inputVariable('auto-merge')).toBe('INPUT_AUTO-MERGE');
    expect(inputVariable('build time')).toBe('INPUT_BUILD_TIME');
    expect(readActionInputs(inputs({
      repo: 'acme/config', env: 'prod', app: 'web', image: 'ghcr.io/acme/web:1.2.0\n', 'auto-merge': 'true', 'wait-live': 'true',
      clusters: 'eu,us', timeout: '10m', 'github-api-url': 'https://api.github.com', 'dry-run': 'false', token: 'ghs_x',
      labels: 'promotion, prod\nurgent', reviewers: 'alice,acme/platform', 'merge-method': 'merge',
    }))).toEqual({
      args: ['--repo', 'acme/config', '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0', '--auto-merge', '--wait-live',
        '--merge-method', 'merge', '--label', 'promotion', '--label', 'prod', '--label', 'urgent', '--reviewer', 'alice', '--reviewer', 'acme/platform',
        '--clusters', 'eu,us', '--timeout', '10m'],
      env: { FERRY_GITHUB_TOKEN: 'ghs_x' },
    });
    // The old composite action's names (INPUT_AUTO_MERGE) are not what the runner sets for a JavaScript action.
    expect(readActionInputs({ INPUT_REPO: 'a/b', INPUT_ENV: 'e', INPUT_AUTO_MERGE: 'true' }).args).not.toContain('--auto-merge');
  });

  it('pairs file and key lines; timeout only with a wait; GHES API URL passed', () => {
    expect(readActionInputs(inputs({ repo: 'a/b', env: 'e', file: 'a.yaml\nb.yaml', key: 'image.tag\nweb.image', image: 'x:1', timeout: '30m', 'github-api-url': 'https://ghe.example.com/api/v3' })).args)
      .toEqual(['--repo', 'a/b', '--env', 'e', '--file', 'a.yaml', '--key', 'image.tag', '--file', 'b.yaml', '--key', 'web.image', '--image', 'x:1', '--github-api-url', 'https://ghe.example.com/api/v3']);
  });

  it('takes a GitHub App over the token; one half of the pair, a bad boolean or unpaired keys are input errors', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----';
    expect(readActionInputs(inputs({ repo: 'a/b', env: 'e', token: 'ghs_x', 'app-id': '42', 'private-key': `${pem}\n` })).env).toEqual({ FERRY_GITHUB_APP_ID: '42', FERRY_GITHUB_APP_PRIVATE_KEY: pem });
    expect(readActionInputs(inputs({ repo: 'a/b', env: 'e', 'app-id': '42', 'private-key': pem.replace(/\n/g, '\\n') })).env['FERRY_GITHUB_APP_PRIVATE_KEY']).toBe(pem);
    expect(() => readActionInputs(inputs({ repo: 'a/b', env: 'e', 'app-id': '42' }))).toThrow('input private-key: is required with app-id');
    expect(() => readActionInputs(inputs({ repo: 'a/b', env: 'e', 'private-key': pem }))).toThrow('input app-id: is required with private-key');
    expect(() => readActionInputs(inputs({ repo: 'a/b', env: 'e', 'wait-live': 'yes' }))).toThrow('input wait-live: must be true or false, not "yes"');
    expect(() => readActionInputs(inputs({ repo: 'a/b', env: 'e', file: 'a.yaml\nb.yaml', key: 'k' }))).toThrow('input key: has 1 line(s) but file has 2');
    expect(() => readActionInputs(inputs({ env: 'e' }))).toThrow('input repo: is required');
    // Several image lines: one --image each, a group promotion.
    expect(readActionInputs(inputs({ repo: 'a/b', env: 'e', image: 'a:1\n api=b:2 \n' })).args).toEqual(['--repo', 'a/b', '--env', 'e', '--image', 'a:1', '--image', 'api=b:2']);
  });
});

describe('actionOutputs', () => {
  it('names a refusal by hold "held" and writes multi-line values in the heredoc form', () => {
    expect(actionOutputs({ outcome: 'refused', reason: 'hold', changed: false })).toMatchObject({ outcome: 'held', changed: 'false', 'head-sha': '' });
    expect(actionOutputs({ outcome: 'refused', reason: 'downgrade' }).outcome).toBe('refused');
    expect(formatOutputFile({ a: '1', b: 'x\nferry_EOF' })).toBe('a=1\nb<<ferry_EOF_\nx\nferry_EOF\nferry_EOF_\n');
  });
});

describe('the bundle, as the runner starts it', () => {
  const TOKEN = 'ghp_actiontokenactiontokenaction00000';
  const APP_ID = 4242;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  let world: EmulatorWorld;
  let scratch: string;
  let n = 0;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN], gitAuth: true, app: { appId: APP_ID, privateKeyPem: pem } });
    scratch = await mkdtemp(join(tmpdir(), 'ferry-action-'));
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function runBundle(values: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; outputs: Record<string, string>; summary: string }> {
    const output = join(scratch, `output-${n}`);
    const summary = join(scratch, `summary-${n++}`);
    await writeFile(output, '');
    await writeFile(summary, '');
    // What the runner passes: the inputs (defaults filled in as action.yml's expressions would), the command files.
    const env = {
      PATH: process.env['PATH'], HOME: scratch, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary,
      ...inputs({ 'github-api-url': world.github.url, timeout: '30m', 'auto-merge': 'false', 'wait-merged': 'false', 'wait-live': 'false', 'dry-run': 'false', draft: 'false', 'source-commit': 'f00dfeed', ...values }),
    };
    const result = await run(process.execPath, [BUNDLE], { env, cwd: scratch }).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
    const outputs = Object.fromEntries((await readFile(output, 'utf8')).split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const text = await readFile(summary, 'utf8');
    expectNoSecrets(`${result.stdout}\n${result.stderr}\n${JSON.stringify(outputs)}\n${text}`, 'the action output, step outputs and summary');
    expect(`${result.stdout}${result.stderr}${text}`).not.toContain('PRIVATE KEY');
    return { code: result.code, stdout: result.stdout, stderr: result.stderr, outputs, summary: text };
  }

  const seed = (extra = '') => ({
    'ferry.yaml': `environments:\n  prod: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      prod: { files: [web.yaml]${extra} }\n`,
    'web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
  });

  it('promotes through a pull request merged with the chosen method, writes every output and the summary; a rerun is unchanged', async () => {
    const { url, path } = await world.git.createRepo('acme/merge', { seed: seed() });
    const values = { repo: url, env: 'prod', app: 'web', image: 'ghcr.io/acme/web:1.1.0', 'auto-merge': 'true', 'merge-method': 'merge', token: TOKEN };
    const first = await runBundle(values);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^merged pull request #1 as [0-9a-f]{12}/);
    const head = (await runGit(['--git-dir', path, 'rev-parse', 'main'])).stdout.trim();
    const parents = (await runGit(['--git-dir', path, 'rev-list', '--parents', '-n', '1', 'main'])).stdout.trim().split(' ');
    expect(parents).toHaveLength(3); // a merge commit: merge-method merge, not the squash ferry.yaml defaults to
    expect(first.outputs).toEqual({
      outcome: 'promoted', changed: 'true', 'pr-number': '1', 'pr-url': expect.stringMatching(/^http\S+\/acme\/merge\/pull\/1$/),
      'head-sha': parents[2], 'merge-sha': head, live: '', apps: '[{"app":"web","outcome":"promoted","image":"ghcr.io/acme/web:1.1.0"}]',
    });
    expect(first.summary).toContain('### ferry promote: web → prod');
    expect((await runGit(['--git-dir', path, 'show', 'main:web.yaml'])).stdout).toBe('image: ghcr.io/acme/web:1.1.0\n');

    const again = await runBundle(values);
    expect(again.code, again.stderr).toBe(0);
    expect(again.outputs).toMatchObject({ outcome: 'unchanged', changed: 'false', 'merge-sha': '' });
  });

  it('as a GitHub App (the token input ignored), in file/key mode, opens a draft with labels and reviewers', async () => {
    const { url } = await world.git.createRepo('acme/app', { seed: { 'values.yaml': 'web:\n  image:\n    tag: 1.0.0\n' } });
    const result = await runBundle({
      repo: url, env: 'prod', file: 'values.yaml', key: 'web.image.tag', image: 'ghcr.io/acme/web:2.0.0', push: 'pr', draft: 'true',
      labels: 'promotion,prod', reviewers: 'alice\nacme/platform', 'app-id': String(APP_ID), 'private-key': pem, token: 'ghp_notavalidtokennotavalidtoken00000',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.outputs).toMatchObject({ outcome: 'pull-request', changed: 'true', 'pr-number': '1', 'merge-sha': '' });
    expect(result.outputs['head-sha']).toMatch(/^[0-9a-f]{40}$/);
    const pr = await (await fetch(`${world.github.url}/repos/acme/app/pulls/1`, { headers: { authorization: `token ${TOKEN}` } })).json() as {
      draft: boolean; head: { sha: string }; user: { login: string }; labels: { name: string }[]; requested_reviewers: { login: string }[]; requested_teams: { slug: string }[];
    };
    expect(pr).toMatchObject({ draft: true, head: { sha: result.outputs['head-sha'] }, user: { login: 'ferry-test-app[bot]' } });
    expect(pr.labels.map((l) => l.name)).toEqual(['promotion', 'prod']);
    expect(pr.requested_reviewers.map((r) => r.login)).toEqual(['alice']);
    expect(pr.requested_teams.map((t) => t.slug)).toEqual(['platform']);
  });

  const groupSeed = (hold = '') => ({
    'ferry.yaml': `environments:\n  prod: { branch: main }\napps:\n${['web', 'api', 'worker'].map((a) => `  ${a}:\n    image: ghcr.io/acme/${a}\n    environments:\n      prod: { files: [${a}.yaml]${a === 'api' ? hold : ''} }\n`).join('')}`,
    'web.yaml': 'image: ghcr.io/acme/web:1.0.0\n', 'api.yaml': 'image: ghcr.io/acme/api:1.0.0\n', 'worker.yaml': 'image: ghcr.io/acme/worker:1.0.0\n',
  });
  const groupImages = 'ghcr.io/acme/web:1.1.0\nghcr.io/acme/api:2.0.0\nworker=ghcr.io/acme/worker:3.0.0\n';

  it('several image lines: one pull request for the group, merged; outputs and summary per app', async () => {
    const { url, path } = await world.git.createRepo('acme/group', { seed: groupSeed() });
    const result = await runBundle({ repo: url, env: 'prod', image: groupImages, 'auto-merge': 'true', token: TOKEN });
    expect(result.code, result.stderr).toBe(0);
    const head = (await runGit(['--git-dir', path, 'rev-parse', 'main'])).stdout.trim();
    expect(result.outputs).toMatchObject({ outcome: 'promoted', changed: 'true', 'pr-number': '1', 'merge-sha': head });
    expect(JSON.parse(result.outputs['apps']!)).toEqual([
      { app: 'web', outcome: 'promoted', image: 'ghcr.io/acme/web:1.1.0' }, { app: 'api', outcome: 'promoted', image: 'ghcr.io/acme/api:2.0.0' },
      { app: 'worker', outcome: 'promoted', image: 'ghcr.io/acme/worker:3.0.0' },
    ]);
    expect(result.stdout).toContain('  api: promoted ghcr.io/acme/api:2.0.0');
    expect(result.summary).toContain('### ferry promote: web, api, worker → prod');
    expect(result.summary).toContain('| worker | promoted | `1.0.0` | `3.0.0` | `ghcr.io/acme/worker:3.0.0` |');
    for (const [app, tag] of [['web', '1.1.0'], ['api', '2.0.0'], ['worker', '3.0.0']]) {
      expect((await runGit(['--git-dir', path, 'show', `main:${app}.yaml`])).stdout).toBe(`image: ghcr.io/acme/${app}:${tag}\n`);
    }
    const pr = await (await fetch(`${world.github.url}/repos/acme/group/pulls/1`, { headers: { authorization: `token ${TOKEN}` } })).json() as { title: string };
    expect(pr.title).toBe('Promote web 1.1.0, api 2.0.0, worker 3.0.0 to prod');
  });

  it('several image lines, one app held: exit 4, outcome held, apps say who was held and who blocked, nothing pushed', async () => {
    const { url, path } = await world.git.createRepo('acme/group-held', { seed: groupSeed(', hold: { reason: freeze, by: ops }') });
    const before = (await runGit(['--git-dir', path, 'for-each-ref'])).stdout;
    const result = await runBundle({ repo: url, env: 'prod', image: groupImages, token: TOKEN });
    expect(result.code).toBe(4);
    expect(result.outputs).toMatchObject({ outcome: 'held', changed: 'false', 'pr-number': '' });
    expect(JSON.parse(result.outputs['apps']!).map((a: { app: string; outcome: string }) => [a.app, a.outcome])).toEqual([['web', 'blocked'], ['api', 'held'], ['worker', 'blocked']]);
    expect(result.stderr).toContain('::error title=ferry promote::group refused, nothing pushed: api: promotion is on hold by ops: freeze');
    expect((await runGit(['--git-dir', path, 'for-each-ref'])).stdout).toBe(before);
  });

  it('a hold in ferry.yaml: exit 4, outcome held, an error annotation, nothing pushed', async () => {
    const { url, path } = await world.git.createRepo('acme/held', { seed: seed(', hold: { reason: freeze, by: ops }') });
    const before = (await runGit(['--git-dir', path, 'for-each-ref'])).stdout;
    const result = await runBundle({ repo: url, env: 'prod', app: 'web', image: 'ghcr.io/acme/web:1.1.0', token: TOKEN });
    expect(result.code).toBe(4);
    expect(result.outputs).toMatchObject({ outcome: 'held', changed: 'false', 'pr-number': '' });
    expect(result.stderr).toContain('::error title=ferry promote::promotion is on hold by ops: freeze');
    expect((await runGit(['--git-dir', path, 'for-each-ref'])).stdout).toBe(before);
  });

  it('a bad value the CLI refuses: its exit code 2, outcome error, the message as an annotation and in the summary', async () => {
    const { url } = await world.git.createRepo('acme/bad', { seed: seed() });
    const result = await runBundle({ repo: url, env: 'prod', app: 'web', image: 'ghcr.io/acme/web:1.1.0', token: TOKEN, 'merge-method': 'fast-forward' });
    expect(result.code).toBe(2);
    expect(result.outputs).toEqual({ outcome: 'error', changed: 'false', 'pr-number': '', 'pr-url': '', 'head-sha': '', 'merge-sha': '', live: '', apps: '' });
    // Named once, by the annotation's title and the summary's heading: the message does not start with "promote: ".
    expect(result.stderr).toContain('::error title=ferry promote::--merge-method must be merge, squash or rebase, not "fast-forward"');
    expect(result.summary).toContain('### ferry promote failed\n\n--merge-method must be merge, squash or rebase, not "fast-forward"\n');
  });
});
