// The real bin, as users run it: `node apps/cli/bin/ferry.js` loads the compiled dist/, so this
// test first brings dist/ up to date with the same incremental build `npm ci` runs (tsc -b).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repoRoot, 'apps/cli/bin/ferry.js');
let dir: string;

beforeAll(() => {
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', join(repoRoot, 'apps/cli')], { cwd: repoRoot, stdio: 'pipe', timeout: 180_000 });
  } catch (err) {
    throw new Error(`building the CLI (tsc -b apps/cli) failed:\n${String((err as { stdout?: unknown }).stdout ?? err)}`);
  }
  dir = mkdtempSync(join(tmpdir(), 'ferry-bin-'));
}, 200_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });

describe('bin/ferry.js', () => {
  it('prints help', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('set-image');
  });

  it('sets an image in a file relative to the working directory, with exit codes', () => {
    writeFileSync(join(dir, 'values.yaml'), 'image:\r\n  repository: nginx\r\n  tag: 1.25.0 # managed by ferry\r\n');
    const changed = run('set-image', '--image', 'docker.io/library/nginx', '--tag', '1.27.1', 'values.yaml');
    expect(changed.stderr).toBe('');
    expect(changed.stdout).toBe('values.yaml:3: 1.25.0 -> 1.27.1\n');
    expect(changed.status).toBe(0);
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toBe('image:\r\n  repository: nginx\r\n  tag: 1.27.1 # managed by ferry\r\n');
    expect(run('set-image', '--check', '--image', 'nginx', '--tag', '1.28', 'values.yaml').status).toBe(1);
    expect(run('set-image', '--image', 'nginx', '--tag', '1.28', 'nope.yaml').status).toBe(2);
    expect(run('set-image', '--image', 'redis', '--tag', '7', 'values.yaml').status).toBe(3);
  });
});
