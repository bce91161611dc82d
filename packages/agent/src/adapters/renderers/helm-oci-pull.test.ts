// The pull step's own environment: only the chart's registry host is let past the closed proxy.
import { helmPath } from '@ferry/testenv';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, ociPullEnv } from './helm-oci-pull.js';
import { runTool } from './run-tool.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-oci-env-'));
  await mkdir(join(dir, 'out'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the oci:// pull step', () => {
  it('a host other than the chart\'s registry goes to the closed proxy (real helm): no DNS, no connection', async () => {
    const env = ociPullEnv(join(dir, 'home'), 'registry.allowed.example');
    expect(env).toMatchObject({ NO_PROXY: 'registry.allowed.example', no_proxy: 'registry.allowed.example', HTTPS_PROXY: 'http://127.0.0.1:9', PATH: '' });
    const result = await runTool(helmPath(), ['pull', '--version=1.0.0', `--destination=${join(dir, 'out')}`, '--', 'oci://registry.other.example/charts/web'], { cwd: dir, env, timeoutMs: 60_000 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('proxyconnect tcp: dial tcp 127.0.0.1:9');
  });

  it.each([
    ['127.0.0.1:5000', true], ['localhost:5000', true], ['[::1]:5000', true], ['127.1.2.3', true],
    ['ghcr.io', false], ['127.0.0.1.nip.io', false], ['localhost.example.com:5000', false], ['[::2]:5000', false],
  ])('plain HTTP for %s: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
