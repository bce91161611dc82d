// The stand-in with `enterprise: true` serves GitHub Enterprise Server's layout and nothing else:
// REST under /api/v3, GraphQL at /api/graphql, git at /OWNER/NAME.git on the same host.
import { graphql } from '@octokit/graphql';
import { Octokit } from '@octokit/rest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../git-server/run-git.js';
import { startEmulatorWorld, type EmulatorWorld } from './emulator-test-kit.js';

let world: EmulatorWorld;
let scratch: string;

beforeAll(async () => {
  world = await startEmulatorWorld({ tokens: ['pat-1'], gitAuth: true, enterprise: true });
  await world.git.createRepo('acme/svc', { seed: { 'README.md': '# svc\n' } });
  scratch = await mkdtemp(join(tmpdir(), 'ferry-ghe-layout-'));
});
afterAll(async () => {
  await world?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('enterprise layout', () => {
  it('answers REST under /api/v3 and GraphQL at /api/graphql, with URLs of that layout', async () => {
    const host = world.github.webUrl;
    expect(world.github.url).toBe(`${host}/api/v3`);
    expect(world.github.graphqlUrl).toBe(`${host}/api/graphql`);
    const octokit = new Octokit({ auth: 'pat-1', baseUrl: world.github.url });
    const { data: repo } = await octokit.repos.get({ owner: 'acme', repo: 'svc' });
    expect(repo.url).toBe(`${host}/api/v3/repos/acme/svc`);
    expect(repo.clone_url).toBe(`${host}/acme/svc.git`);
    // Octokit derives /api/graphql from a /api/v3 base, as it does against a real GHES.
    const viewer = await octokit.graphql<{ viewer: { login: string } }>('{ viewer { login } }');
    expect(viewer.viewer.login).toBe('ferry-bot');
  });

  it('refuses REST and GraphQL outside the layout with 404, each a violation', async () => {
    const host = world.github.webUrl;
    const res = await fetch(`${host}/repos/acme/svc`, { headers: { authorization: 'token pat-1' } });
    expect(res.status).toBe(404);
    const gql = graphql.defaults({ baseUrl: host, headers: { authorization: 'token pat-1' } });
    await expect(gql('{ viewer { login } }')).rejects.toMatchObject({ status: 404 });
    expect(world.github.takeViolations().map((v) => v.operation)).toEqual(['GET /repos/acme/svc', 'POST /graphql']);
  });

  it('serves git on the same host, with the same credentials as github.com', async () => {
    const host = new URL(world.github.webUrl);
    const anonymous = await runGit(['ls-remote', `${host.origin}/acme/svc.git`], { env: { GIT_TERMINAL_PROMPT: '0' } });
    expect(anonymous.code).not.toBe(0);
    const url = `http://x-access-token:pat-1@${host.host}/acme/svc.git`;
    const clone = await runGit(['clone', '--quiet', url, join(scratch, 'svc')]);
    expect(clone.code, clone.stderr).toBe(0);
    const log = await runGit(['log', '--format=%s', '-1'], { cwd: join(scratch, 'svc') });
    expect(log.stdout.trim()).not.toBe('');
  });
});
