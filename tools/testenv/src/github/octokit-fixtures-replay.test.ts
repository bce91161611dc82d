// Replays recorded real GitHub exchanges (@octokit/fixtures) against the emulator and compares
// status codes and response shapes, with OpenAPI validation on as well.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareShapes } from './compare-shapes.js';
import { startEmulatorWorld, type EmulatorWorld } from './emulator-test-kit.js';

// Native git runs and first-time schema compiles share two cores with the whole suite: a ceiling, not a timing.
const SLOW_MACHINE_TIMEOUT_MS = 120_000;

interface RecordedExchange {
  method: string;
  path: string;
  body: unknown;
  status: number;
  response: unknown;
  reqheaders: Record<string, string>;
  headers: Record<string, string>;
}

const require = createRequire(import.meta.url);
function loadScenario(name: string): RecordedExchange[] {
  const file = require.resolve(`@octokit/fixtures/scenarios/api.github.com/${name}/normalized-fixture.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as RecordedExchange[];
}

const ORG = 'octokit-fixture-org';
const FAKE_SHA_1 = '0000000000000000000000000000000000000001';
const FAKE_SHA_2 = '0000000000000000000000000000000000000002';
// Headers every recorded GitHub answer carries that clients read.
const CLIENT_HEADERS = ['content-type', 'x-github-media-type', 'x-github-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-resource', 'x-ratelimit-used'];

let world: EmulatorWorld;
let shas: Record<string, string> = {};

function substitute(text: string): string {
  return Object.entries(shas).reduce((t, [fake, real]) => t.split(fake).join(real), text);
}

async function replay(exchange: RecordedExchange): Promise<{ status: number; body: unknown; headers: Headers }> {
  const hasBody = exchange.body !== '' && exchange.body !== undefined;
  const res = await fetch(`${world.github.url}${substitute(exchange.path)}`, {
    method: exchange.method.toUpperCase(),
    headers: {
      accept: exchange.reqheaders['accept'] ?? 'application/vnd.github.v3+json',
      authorization: 'token pat-1',
      ...(hasBody ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    },
    ...(hasBody ? { body: substitute(JSON.stringify(exchange.body)) } : {}),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') && text ? JSON.parse(text) as unknown : text;
  return { status: res.status, body: json, headers: res.headers };
}

async function replayAndCompare(exchanges: RecordedExchange[]): Promise<string[]> {
  const problems: string[] = [];
  for (const exchange of exchanges) {
    const got = await replay(exchange);
    const label = `${exchange.method.toUpperCase()} ${exchange.path}`;
    if (got.status !== exchange.status) problems.push(`${label}: status ${got.status}, recorded ${exchange.status} (${JSON.stringify(got.body)})`);
    for (const d of compareShapes(exchange.response, got.body)) problems.push(`${label}: ${d.path} ${d.problem} (recorded ${d.expected}, emulator ${d.actual})`);
    for (const h of CLIENT_HEADERS) {
      if (h in exchange.headers && !got.headers.has(h)) problems.push(`${label}: header ${h} missing`);
    }
  }
  return problems;
}

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: ['pat-1'] });
  await world.git.createRepo(`${ORG}/git-refs`, { seed: { 'README.md': '# git-refs\n' } });
  await world.git.createRepo(`${ORG}/create-status`, { seed: { 'README.md': '# create-status\n' } });
  await world.git.createRepo(`${ORG}/hello-world`, { seed: { 'README.md': '# hello-world' } });
  await world.git.createRepo(`${ORG}/add-labels-to-issue`, { seed: { 'README.md': '# labels\n' } });
  await world.git.createRepo(`${ORG}/errors`, { seed: { 'README.md': '# errors\n' } });
  await world.git.createRepo(`${ORG}/branch-protection`, { seed: { 'README.md': '# protection\n' } });
  // The recording moves refs/heads/test from sha 2 to sha 1 without force: 1 must descend from 2.
  const octokit = new Octokit({ auth: 'pat-1', baseUrl: world.github.url });
  const { data: seed } = await octokit.git.getRef({ owner: ORG, repo: 'git-refs', ref: 'heads/main' });
  const next = await world.pushFiles(`${ORG}/git-refs`, 'main', { 'next.txt': 'next\n' }, { from: 'main' });
  shas = { [FAKE_SHA_1]: next, [FAKE_SHA_2]: seed.object.sha };
});

afterAll(async () => {
  await world?.close();
});

describe('recorded GitHub exchanges replayed against the emulator', { timeout: SLOW_MACHINE_TIMEOUT_MS }, () => {
  it('git-refs: create, update and delete a reference', async () => {
    const recorded = loadScenario('git-refs').filter((e) => !(e.method === 'get' && e.path.endsWith('/git/refs/')));
    expect(recorded).toHaveLength(3);
    expect(await replayAndCompare(recorded)).toEqual([]);
  });

  it('create-status: statuses, the status list and the combined status', async () => {
    const { data: main } = await new Octokit({ auth: 'pat-1', baseUrl: world.github.url }).git.getRef({ owner: ORG, repo: 'create-status', ref: 'heads/main' });
    shas[FAKE_SHA_1] = main.object.sha;
    const recorded = loadScenario('create-status');
    expect(recorded).toHaveLength(4);
    expect(await replayAndCompare(recorded)).toEqual([]);
  });

  it('get-content: a directory listing and a raw file', async () => {
    const recorded = loadScenario('get-content');
    expect(recorded.map((e) => e.reqheaders['accept'])).toEqual(['application/vnd.github.v3+json', 'application/vnd.github.v3.raw']);
    expect(await replayAndCompare(recorded)).toEqual([]);
  });

  it('get-repository', async () => {
    expect(await replayAndCompare(loadScenario('get-repository'))).toEqual([]);
  });

  it('branch-protection: not protected, protect (empty, then checks, reviews, restrictions), unprotect', async () => {
    const recorded = loadScenario('branch-protection');
    expect(recorded.map((e) => `${e.method} ${e.status}`)).toEqual(['get 404', 'put 200', 'put 200', 'delete 204']);
    expect(await replayAndCompare(recorded)).toEqual([]);
  });

  it('add-labels-to-issue (on a pull request) and the label validation error', async () => {
    await world.pushFiles(`${ORG}/add-labels-to-issue`, 'topic', { 'x.txt': 'x\n' });
    await new Octokit({ auth: 'pat-1', baseUrl: world.github.url }).pulls.create({ owner: ORG, repo: 'add-labels-to-issue', title: 'labels', head: 'topic', base: 'main' });
    const recorded = [...loadScenario('add-labels-to-issue').filter((e) => e.path.endsWith('/labels')), ...loadScenario('errors')];
    expect(recorded).toHaveLength(2);
    expect(await replayAndCompare(recorded)).toEqual([]);
    world.github.assertNoViolations();
  });
});
