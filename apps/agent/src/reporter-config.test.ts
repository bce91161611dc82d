import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from './parse-run-args.js';
import { parseAgentArgs } from './parse-args.js';
import { buildReporter, parseReporterConfig } from './reporter-config.js';

const base = ['sync', '--once', '--all'];

describe('commit status flags', () => {
  it('are off without a token', () => {
    expect(parseAgentArgs(base, {}).reporter).toBeUndefined();
    expect(parseAgentArgs([...base, '--cluster', 'prod'], {}).reporter).toBeUndefined();
  });

  it('take the token from the environment or a file, never from argv', () => {
    expect(parseAgentArgs([...base, '--cluster', 'prod'], { FERRY_STATUS_TOKEN: 't0k' }).reporter).toEqual({ cluster: 'prod', apiUrl: 'https://api.github.com', token: { value: 't0k' } });
    expect(parseAgentArgs([...base, '--status-token-file', '/run/secrets/status', '--status-api-url', 'https://ghe.example.com/api/v3'], { FERRY_CLUSTER: 'edge-1' }).reporter)
      .toEqual({ cluster: 'edge-1', apiUrl: 'https://ghe.example.com/api/v3', token: { file: '/run/secrets/status' } });
    expect(() => parseAgentArgs([...base, '--status-token', 'x'], {})).toThrow(/status-token/);
  });

  it('are read by ferry-agent run too', () => {
    const run = parseRunArgs(['--cluster', 'edge-1', '--kubeconfig', '/k'], { FERRY_STATUS_TOKEN: 't0k' }, () => {});
    expect(run.reporter).toEqual({ cluster: 'edge-1', apiUrl: 'https://api.github.com', token: { value: 't0k' } });
    expect(parseRunArgs(['--kubeconfig', '/k'], {}, () => {}).reporter).toBeUndefined();
  });

  it.each([
    [{}, { statusToken: 't' }, /need --cluster NAME/],
    [{ cluster: 'a/b' }, { statusToken: 't' }, /cluster name "a\/b"/],
    [{ cluster: 'a', 'status-api-url': 'ftp://x' }, { statusToken: 't' }, /--status-api-url must be an http\(s\) URL/],
    [{ 'status-api-url': 'https://x' }, {}, /need a status token/],
  ])('refuses %o', (values, env, message) => {
    expect(() => parseReporterConfig(values, env)).toThrow(message);
  });

  it('--forge gitea (or $FERRY_FORGE) selects Gitea and needs its base URL', () => {
    expect(parseAgentArgs([...base, '--cluster', 'prod', '--forge', 'gitea', '--status-api-url', 'https://gitea.example.com'], { FERRY_STATUS_TOKEN: 't0k' }).reporter)
      .toEqual({ cluster: 'prod', forge: 'gitea', apiUrl: 'https://gitea.example.com', token: { value: 't0k' } });
    expect(parseRunArgs(['--kubeconfig', '/k'], { FERRY_STATUS_TOKEN: 't0k', FERRY_CLUSTER: 'c', FERRY_FORGE: 'gitea', FERRY_STATUS_API_URL: 'http://gitea:3000' }, () => {}).reporter)
      .toEqual({ cluster: 'c', forge: 'gitea', apiUrl: 'http://gitea:3000', token: { value: 't0k' } });
    // github is the default, spelt out or not.
    expect(parseReporterConfig({ cluster: 'a', forge: 'github' }, { statusToken: 't' })).toEqual({ cluster: 'a', apiUrl: 'https://api.github.com', token: { value: 't' } });
  });

  it.each([
    [{ cluster: 'a', forge: 'gitea' }, { statusToken: 't' }, /--forge gitea needs --status-api-url/],
    [{ cluster: 'a', forge: 'gitlab' }, { statusToken: 't' }, /--forge must be github or gitea, not "gitlab"/],
    [{ cluster: 'a' }, { statusToken: 't', forge: 'bitbucket' }, /--forge must be github or gitea/],
    [{ forge: 'gitea' }, {}, /need a status token/],
  ])('refuses %o %o', (values, env, message) => {
    expect(() => parseReporterConfig(values, env)).toThrow(message);
  });

  it.each([
    ['gitea', '/api/v1/repos/acme/config/statuses/', 'token t0k'],
    ['github', '/repos/acme/config/statuses/', 'Bearer t0k'],
  ] as const)('--forge %s: the reporter posts to that forge\'s API', async (forge, path, authorization) => {
    const seen: Array<{ url: string; authorization: string | undefined }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      req.resume();
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const config = parseReporterConfig({ cluster: 'c', forge, 'status-api-url': apiUrl }, { statusToken: 't0k' })!;
      const reporter = await buildReporter(config, () => {});
      const sha = 'c'.repeat(40);
      const target = { identity: { namespace: 'ns', name: 'app' }, spec: { url: 'https://git.example/acme/config.git' }, fromObject: true } as unknown as Parameters<typeof reporter.applying>[0];
      await reporter.applying(target, sha);
      expect(seen).toEqual([{ url: `${path}${sha}`, authorization }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('reads the token file and reports an unreadable one by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-reporter-'));
    try {
      await writeFile(join(dir, 'token'), 'abc\n');
      await expect(buildReporter({ cluster: 'c', apiUrl: 'https://api.github.com', token: { file: join(dir, 'token') } }, () => {})).resolves.toBeDefined();
      await expect(buildReporter({ cluster: 'c', apiUrl: 'https://api.github.com', token: { file: join(dir, 'missing') } }, () => {})).rejects.toThrow(/cannot read --status-token-file .*missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
