// Proves a disagreement with GitHub's API description cannot pass unnoticed: vitest runs a fixture
// file under the setup files of this repository's vitest.config.ts; the test that sent a request
// GitHub's description forbids must fail naming it, and the others must pass.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startEmulatorWorld } from './emulator-test-kit.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'violation');
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

function runFixture(): Promise<{ code: number; output: string }> {
  // The child is a fresh vitest, not a worker of this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
  return new Promise((resolve) => {
    execFile(process.execPath, [vitestBin, 'run', '--root', fixture, '--config', join(fixture, 'vitest.config.ts'), '--color=false'], {
      cwd: fixture, env: { ...env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}\n${stderr}` });
    });
  });
}

describe('fail-on-violations', () => {
  it('fails exactly the test whose exchange GitHub\'s description forbids, naming the violation', async () => {
    const { code, output } = await runFixture();
    expect(output).toMatch(/FAIL .*violation\.fixture\.ts > stand-in > violates/);
    expect(output).toContain('GET /repos/{owner}/{repo}/pulls [request]: query parameter head_ref is not defined for this operation');
    expect(output).toMatch(/Tests\s+1 failed \| 2 passed/);
    expect(code).not.toBe(0);
  }, 120_000);

  it('makes close() throw on violations nobody took, after stopping both servers', async () => {
    const world = await startEmulatorWorld({ tokens: ['t'] });
    await world.git.createRepo('acme/svc', { seed: { 'README.md': '# svc\n' } });
    const url = world.github.url;
    expect((await fetch(`${url}/repos/acme/svc/pulls?head_ref=x`, { headers: { authorization: 'token t' } })).status).toBe(200);
    await expect(world.close()).rejects.toThrow(/1 exchange\(s\) disagree with GitHub's API description:\n- GET \/repos\/\{owner\}\/\{repo\}\/pulls \[request\]: query parameter head_ref/);
    await expect(fetch(url)).rejects.toThrow();
    await expect(fetch(world.git.url)).rejects.toThrow();
  });
});
