// Proves the reporter cannot pass vacuously: vitest runs a fixture test under it as users run the
// suite, once printing planted secrets (the run must fail and say where, without quoting them)
// and once printing only redacted text (the run must pass).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { maskSecrets } from './find-secrets.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'planted');
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

function runFixture(plant: boolean): Promise<{ code: number; output: string }> {
  // The child is a fresh vitest, not a worker of this one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
  return new Promise((resolve) => {
    execFile(process.execPath, [vitestBin, 'run', '--root', fixture, '--config', join(fixture, 'vitest.config.ts'), '--color=false'], {
      cwd: fixture, env: { ...env, FERRY_PLANT_SECRET: plant ? '1' : '0', NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      // Masked before any assertion, so a failing expectation cannot print the planted secrets.
      resolve({ code, output: maskSecrets(`${stdout}\n${stderr}`) });
    });
  });
}

describe('secret-scan reporter', () => {
  it('fails a run whose tests print a secret, naming the test, and passes a clean one', async () => {
    const [dirty, clean] = await Promise.all([runFixture(true), runFixture(false)]);

    expect(dirty.output).toContain('SECRET SCAN FAILED: 2 secret(s) in test output');
    expect(dirty.output).toMatch(/planted\.fixture\.ts > planted > prints \(console stdout\) github-token: .*pushing with <github-token>/);
    expect(dirty.output).toMatch(/planted\.fixture\.ts > planted > prints \(console stderr\) private-key: .*could not parse key: <private-key> MIIE/);
    // The fixture's test itself passed: only the scan failed the run.
    expect(dirty.output).toMatch(/Tests\s+1 passed/);
    expect(dirty.code).not.toBe(0);

    expect(clean.output).toMatch(/secret scan: \d+ console writes \(\d+ KiB\) and 0 errors scanned, no secrets/);
    expect(clean.code).toBe(0);
  }, 60_000);
});
