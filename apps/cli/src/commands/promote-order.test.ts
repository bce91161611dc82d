// Issue 11, "newest wins for every tag scheme", through the CLI: `--build-time`, `--order` and
// `--order-pattern` are checked before anything is fetched (exit 2, naming the flag), and a build
// older than the one in place exits 4 with "older than" and pushes nothing. In-process against the
// real git http-backend.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, runGit, startGitServer, type GitServer } from '@ferry/testenv';
import { main } from '../main.js';

let server: GitServer;
let scratch: string;
beforeAll(async () => {
  server = await startGitServer();
  scratch = await mkdtemp(join(tmpdir(), 'ferry-cli-order-'));
});
afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

const seed = {
  'ferry.yaml': [
    'environments:', '  dev: { branch: main }', 'apps:',
    '  web:', '    image: ghcr.io/acme/web', '    order: build-time', '    environments:', '      dev: { files: [envs/dev/web.yaml] }', '',
  ].join('\n'),
  'envs/dev/web.yaml': 'image: ghcr.io/acme/web:sha-0000000\n',
  'k8s/job.yaml': 'image: ghcr.io/acme/job:main-0000000-1\n',
};

async function ferry(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['promote', ...args], { stdout: { write: (c: string) => (stdout += c) }, stderr: { write: (c: string) => (stderr += c) }, cwd: scratch, env: {} });
  expectNoSecrets(`${stdout}\n${stderr}`, `ferry promote ${args.join(' ')}`);
  return { code, stdout, stderr };
}

describe('ferry promote --build-time / --order / --order-pattern', () => {
  it.each<[string[], RegExp]>([
    [['--app', 'web', '--image', 'ghcr.io/acme/web:sha-1', '--build-time', '2025-02-30T10:00:00Z'], /--build-time "2025-02-30T10:00:00Z" is not an RFC 3339 date-time/],
    [['--app', 'web', '--image', 'ghcr.io/acme/web:sha-1', '--build-time', '1740823320'], /not an RFC 3339 date-time/],
    [['--app', 'web', '--image', 'ghcr.io/acme/web:sha-1', '--order', 'numeric'], /--order applies to --file; with --app the order is the app's order in ferry.yaml/],
    [['--file', 'k8s/job.yaml', '--image', 'ghcr.io/acme/job:1', '--order', 'newest'], /--order must be semver, numeric, build-time, not "newest"/],
    [['--file', 'k8s/job.yaml', '--image', 'ghcr.io/acme/job:1', '--order-pattern', '^(?<n>[0-9]+)$'], /--order-pattern needs --order numeric/],
    [['--file', 'k8s/job.yaml', '--image', 'ghcr.io/acme/job:1', '--order', 'semver', '--order-pattern', '^(?<n>[0-9]+)$'], /only applies with --order numeric/],
    [['--file', 'k8s/job.yaml', '--image', 'ghcr.io/acme/job:1', '--order', 'numeric', '--order-pattern', '^(?<n>(a+)+)$'], /is not usable: it repeats a group that holds a quantifier/],
    [['--file', 'k8s/job.yaml', '--image', 'ghcr.io/acme/job:1', '--order', 'numeric', '--order-pattern', '^main-[0-9a-f]+-([0-9]+)$'], /is not usable: it has no named group/],
  ])('exit 2 for %j, nothing pushed', async (args, message) => {
    const name = `acme/flags${Math.random().toString(36).slice(2, 8)}`;
    const { url } = await server.createRepo(name, { seed });
    const before = (await runGit(['--git-dir', server.repoPath(name), 'rev-parse', 'main'])).stdout;
    const result = await ferry(['--repo', url, '--env', 'dev', '--push', 'direct', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect((await runGit(['--git-dir', server.repoPath(name), 'rev-parse', 'main'])).stdout).toBe(before);
  });

  it('records the build time; an older build exits 4 with "older than" and pushes nothing; a --file numeric order likewise', async () => {
    const name = 'acme/cli-order';
    const { url } = await server.createRepo(name, { seed });
    const git = (...args: string[]) => runGit(['--git-dir', server.repoPath(name), ...args]);
    const base = ['--repo', url, '--env', 'dev', '--push', 'direct'];

    const newer = await ferry([...base, '--app', 'web', '--image', 'ghcr.io/acme/web:sha-cccc333', '--build-time', '2025-03-01T10:02:00Z']);
    expect(newer.code).toBe(0);
    expect((await git('log', '-1', '--format=%(trailers:key=Ferry-Build-Time,valueonly)', 'main')).stdout.trim()).toBe('2025-03-01T10:02:00Z');
    const head = (await git('rev-parse', 'main')).stdout;

    const older = await ferry([...base, '--app', 'web', '--image', 'ghcr.io/acme/web:sha-bbbb222', '--build-time', '2025-03-01T10:01:00Z', '--json']);
    expect(older.code).toBe(4);
    expect(JSON.parse(older.stdout)).toMatchObject({ outcome: 'older', changed: false, exitCode: 4 });
    expect(JSON.parse(older.stdout).message).toContain('sha-bbbb222 (built 2025-03-01T10:01:00Z) is older than sha-cccc333 (built 2025-03-01T10:02:00Z)');
    const missing = await ferry([...base, '--app', 'web', '--image', 'ghcr.io/acme/web:sha-dddd444']);
    expect(missing.code).toBe(4);
    expect(missing.stdout).toMatch(/has no build time \(pass --build-time/);
    expect((await git('rev-parse', 'main')).stdout).toBe(head);

    const numeric = ['--file', 'k8s/job.yaml', '--order', 'numeric', '--order-pattern', '^main-[0-9a-f]+-(?<run>[0-9]+)$'];
    expect((await ferry([...base, ...numeric, '--image', 'ghcr.io/acme/job:main-aaaaaaa-10'])).code).toBe(0);
    const lower = await ferry([...base, ...numeric, '--image', 'ghcr.io/acme/job:main-fffffff-9']);
    expect(lower.code).toBe(4);
    expect(lower.stdout).toContain('main-fffffff-9 is older than main-aaaaaaa-10');
    // Without an order, SHA-like tags are not guessed at: exit 4, nothing pushed.
    const guess = await ferry([...base, '--file', 'k8s/job.yaml', '--image', 'ghcr.io/acme/job:sha-1234abc']);
    expect(guess.code).toBe(4);
    expect(guess.stdout).toMatch(/cannot tell whether sha-1234abc is newer than main-aaaaaaa-10/);
    expect((await git('show', 'main:k8s/job.yaml')).stdout).toBe('image: ghcr.io/acme/job:main-aaaaaaa-10\n');
  });
});
