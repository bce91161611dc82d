// action.yml: validated against the Actions metadata schema (authored from GitHub's documented
// syntax, action-metadata.schema.json) plus the cross-references a schema cannot see, then run
// through its entry point the way the runner does (INPUT_* variables, a GITHUB_OUTPUT file)
// against git http-backend and the GitHub stand-in.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, expectNoSecretsInWorld, runGit, startEmulatorWorld, type EmulatorWorld } from '@ferry/testenv';
import { buildPromoteArgs } from '../action-inputs.mjs';
import schema from './action-metadata.schema.json' with { type: 'json' };

const root = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);
type Metadata = { inputs: Record<string, { default?: string }>; outputs: Record<string, { value?: string }>; runs: { using: string; steps: { id?: string; env?: Record<string, string>; run?: string }[] } };
let action: Metadata;
const validate = new Ajv({ allErrors: true }).compile(schema);

beforeAll(async () => {
  action = parse(await readFile(join(root, 'action.yml'), 'utf8')) as Metadata;
});

describe('action.yml metadata', () => {
  it('is valid Actions metadata', () => {
    expect(validate(action), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it.each([
    ['an input without description', (a: Record<string, unknown>) => ({ ...a, inputs: { x: { required: true } } })],
    ['an unknown runner', (a: Record<string, unknown>) => ({ ...a, runs: { using: 'node12', main: 'x.js' } })],
    ['a run step without shell', (a: Record<string, unknown>) => ({ ...a, runs: { using: 'composite', steps: [{ run: 'echo' }] } })],
    ['a branding colour GitHub does not offer', (a: Record<string, unknown>) => ({ ...a, branding: { icon: 'truck', color: 'pink' } })],
    ['a misspelled top-level key', (a: Record<string, unknown>) => ({ ...a, output: {} })],
  ])('the schema rejects %s', (_name, mutate) => {
    expect(validate(mutate(action as unknown as Record<string, unknown>))).toBe(false);
  });

  it('references only declared inputs and steps, and passes every input to the entry point', () => {
    const text = JSON.stringify(action.runs);
    const used = [...text.matchAll(/inputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
    expect(used.filter((name) => !(name! in action.inputs))).toEqual([]);
    // Every input except the token reaches the entry point as INPUT_<NAME>.
    const env = action.runs.steps.find((s) => s.id === 'promote')!.env!;
    const expected = Object.keys(action.inputs).filter((n) => n !== 'token').map((n) => `INPUT_${n.toUpperCase().replaceAll('-', '_')}`);
    expect(Object.keys(env).filter((k) => k.startsWith('INPUT_')).sort()).toEqual(expected.sort());
    // Composite outputs need a value, from a step that exists.
    const ids = new Set(action.runs.steps.map((s) => s.id));
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.value, name).toMatch(/^\$\{\{ steps\.([a-z-]+)\.outputs\.[a-z-]+ \}\}$/);
      expect(ids.has(/steps\.([a-z-]+)\./.exec(output.value!)![1])).toBe(true);
    }
    // No input is spliced into a script (injection): they travel in env only.
    for (const step of action.runs.steps) expect(step.run ?? '').not.toMatch(/\$\{\{\s*inputs\./);
  });
});

describe('buildPromoteArgs', () => {
  it('maps inputs to flags; timeout only with a wait; github.com API URL left to the default', () => {
    expect(buildPromoteArgs({
      INPUT_REPO: 'acme/config', INPUT_ENV: 'prod', INPUT_APP: 'web', INPUT_IMAGE: 'ghcr.io/acme/web:1.2.0', INPUT_AUTO_MERGE: 'true',
      INPUT_WAIT_LIVE: 'true', INPUT_CLUSTERS: 'eu,us', INPUT_TIMEOUT: '10m', INPUT_GITHUB_API_URL: 'https://api.github.com', INPUT_DRY_RUN: 'false',
    })).toEqual(['--repo', 'acme/config', '--env', 'prod', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0', '--clusters', 'eu,us', '--auto-merge', '--wait-live', '--timeout', '10m']);
    expect(buildPromoteArgs({ INPUT_REPO: 'a/b', INPUT_TIMEOUT: '30m', INPUT_GITHUB_API_URL: 'https://ghe.example.com/api/v3' }))
      .toEqual(['--repo', 'a/b', '--github-api-url', 'https://ghe.example.com/api/v3']);
    expect(() => buildPromoteArgs({ INPUT_WAIT_LIVE: 'yes' })).toThrow('input wait-live must be true or false, not "yes"');
  });
});

describe('the entry point, as the runner calls it', () => {
  const TOKEN = 'ghp_actiontokenactiontokenaction00000';
  let world: EmulatorWorld;
  let scratch: string;
  beforeAll(async () => {
    world = await startEmulatorWorld({ tokens: [TOKEN] });
    scratch = await mkdtemp(join(tmpdir(), 'ferry-action-'));
  });
  afterAll(async () => {
    if (world) await expectNoSecretsInWorld(world);
    await world?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('promotes through a pull request with auto-merge and writes the step outputs', async () => {
    const { url, path } = await world.git.createRepo('acme/action', {
      seed: {
        'ferry.yaml': 'environments:\n  prod: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/web\n    environments:\n      prod: { files: [web.yaml] }\n',
        'web.yaml': 'image: ghcr.io/acme/web:1.0.0\n',
      },
    });
    const output = join(scratch, 'output');
    const summary = join(scratch, 'summary');
    const env = {
      PATH: process.env['PATH'], HOME: scratch, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, FERRY_GITHUB_TOKEN: TOKEN,
      INPUT_REPO: url, INPUT_ENV: 'prod', INPUT_APP: 'web', INPUT_IMAGE: 'ghcr.io/acme/web:1.1.0', INPUT_AUTO_MERGE: 'true',
      INPUT_GITHUB_API_URL: world.github.url, INPUT_TIMEOUT: '30m', INPUT_SOURCE_COMMIT: 'f00dfeed', INPUT_WAIT_LIVE: 'false', INPUT_DRY_RUN: 'false',
    };
    const result = await run(process.execPath, [join(root, 'apps/action/entrypoint.mjs')], { env });
    expectNoSecrets(`${result.stdout}\n${result.stderr}`, 'the action entry point output');
    expect(result.stdout).toMatch(/^merged pull request #1 as [0-9a-f]{12}/);
    const head = (await runGit(['--git-dir', path, 'rev-parse', 'main'])).stdout.trim();
    const outputs = await readFile(output, 'utf8');
    expect(outputs).toMatch(/^changed=true\npr-number=1\npr-url=http\S+\/acme\/action\/pull\/1\nmerge-sha=([0-9a-f]{40})\n$/);
    expect(outputs).toContain(`merge-sha=${head}\n`);
    expectNoSecrets(`${outputs}\n${await readFile(summary, 'utf8')}`, 'the step outputs and summary');
    expect(await readFile(summary, 'utf8')).toContain('### ferry promote: web → prod');
    expect((await runGit(['--git-dir', path, 'show', 'main:web.yaml'])).stdout).toBe('image: ghcr.io/acme/web:1.1.0\n');
  });

  it('exits 2 with a workflow error annotation on a bad boolean input', async () => {
    const failed = await run(process.execPath, [join(root, 'apps/action/entrypoint.mjs')], { env: { PATH: process.env['PATH'], INPUT_AUTO_MERGE: 'maybe' } }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: '::error::input auto-merge must be true or false, not "maybe"\n' });
  });
});
