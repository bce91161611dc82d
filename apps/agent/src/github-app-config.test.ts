import { describe, expect, it } from 'vitest';
import { parseAgentArgs } from './parse-args.js';
import { parseRunArgs } from './parse-run-args.js';

const env = { KUBECONFIG: '/k/config' };
const app = ['--github-app-id', '123', '--github-app-installation-id', '456', '--github-app-private-key-file', '/keys/app.pem'];
const run = (argv: string[], extra: Record<string, string> = {}) => parseRunArgs(argv, { ...env, ...extra }, () => undefined);

describe('--github-app-* flags', () => {
  it('turn on the app for fetches (github.com by default) and statuses, with --cluster', () => {
    const parsed = run([...app, '--cluster', 'prod']);
    expect(parsed.githubApp).toEqual({ appId: '123', installationId: '456', privateKeyFile: '/keys/app.pem', gitHosts: ['github.com:443'] });
    expect(parsed.reporter).toMatchObject({ cluster: 'prod', apiUrl: 'https://api.github.com', token: { app: true } });
  });

  it('GitHub Enterprise: git on the API host; explicit git hosts; the same from the environment', () => {
    expect(run([...app, '--cluster', 'c', '--status-api-url', 'https://ghe.example.com/api/v3']).githubApp?.gitHosts).toEqual(['ghe.example.com:443']);
    expect(run([...app, '--cluster', 'c', '--github-app-git-hosts', 'git.example.com,127.0.0.1:8080']).githubApp?.gitHosts).toEqual(['git.example.com:443', '127.0.0.1:8080']);
    const fromEnv = run([], { FERRY_GITHUB_APP_ID: '7', FERRY_GITHUB_APP_INSTALLATION_ID: '8', FERRY_GITHUB_APP_PRIVATE_KEY_FILE: '/k.pem', FERRY_CLUSTER: 'c' });
    expect(fromEnv.githubApp).toMatchObject({ appId: '7', installationId: '8', privateKeyFile: '/k.pem' });
    expect(parseAgentArgs(['sync', '--once', '--all', ...app, '--cluster', 'c'], env).githubApp?.appId).toBe('123');
  });

  it.each([
    [['--github-app-id', '123'], /needs all of --github-app-id, --github-app-installation-id and --github-app-private-key-file/],
    [[...app], /commit statuses \(on with a GitHub App\) need --cluster NAME/],
    [[...app, '--cluster', 'c', '--status-token-file', '/t'], /choose one of a GitHub App .* and a status token/],
    [[...app, '--cluster', 'c', '--forge', 'gitea', '--status-api-url', 'https://gitea.example.com'], /--github-app-\* is for GitHub: not with --forge gitea/],
    [['--github-app-id', 'x y', '--github-app-installation-id', '1', '--github-app-private-key-file', '/k', '--cluster', 'c'], /--github-app-id must be the app's numeric id/],
    [['--github-app-id', '1', '--github-app-installation-id', 'abc', '--github-app-private-key-file', '/k', '--cluster', 'c'], /--github-app-installation-id must be a number/],
    [[...app, '--cluster', 'c', '--github-app-git-hosts', 'https://github.com/x'], /--github-app-git-hosts has "https:\/\/github.com\/x", which is not a host or host:port/],
    [['--github-app-git-hosts', 'github.com'], /--github-app-git-hosts needs --github-app-id/],
  ])('%j is refused', (argv, message) => {
    expect(() => run(argv)).toThrow(message);
  });
});

describe('the key file is checked at start', () => {
  it('run and sync exit 2 naming a missing or malformed key file, before connecting to anything', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Writable } = await import('node:stream');
    const { main } = await import('./main.js');
    const dir = await mkdtemp(join(tmpdir(), 'ferry-app-key-'));
    try {
      await writeFile(join(dir, 'bad.pem'), 'not a key\n');
      for (const [key, message] of [[join(dir, 'missing.pem'), /cannot read --github-app-private-key-file .*missing\.pem: ENOENT/], [join(dir, 'bad.pem'), /bad\.pem is not a PEM private key/]] as const) {
        for (const command of [['run', '--metrics-addr', 'off'], ['sync', '--once', '--all']]) {
          let stderr = '';
          const sink = new Writable({ write(chunk, _enc, done) { stderr += String(chunk); done(); } });
          const code = await main([...command, '--github-app-id', '1', '--github-app-installation-id', '2', '--github-app-private-key-file', key, '--cluster', 'c'], { stdout: sink, stderr: sink, env: { KUBECONFIG: join(dir, 'no-kubeconfig') } });
          expect(code, stderr).toBe(2);
          expect(stderr).toMatch(message);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
