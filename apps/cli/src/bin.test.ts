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

  it('set-image exit codes for the rewrites other tools handle: renames, pinned tags, several images, unknown places', () => {
    const [a, b] = ['a', 'b'].map((x) => `sha256:${x.repeat(64)}`);
    const deploy = 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: ghcr.io/acme/web:1.0.0\n';
    writeFileSync(join(dir, 'rollout.yaml'), deploy);
    const rename = ['set-image', '--image', 'ghcr.io/acme/web', '--new-name', 'ghcr.io/acme/web-next', '--tag', '2.0.0', 'rollout.yaml'];
    expect(run(...rename).status).toBe(0);
    // Run again: found at the new name and target tag, so 0 (not 3), and --check agrees.
    expect(run(...rename).status).toBe(0);
    expect(run('set-image', '--check', ...rename.slice(1)).status).toBe(0);
    expect(readFileSync(join(dir, 'rollout.yaml'), 'utf8')).toBe(deploy.replace('web:1.0.0', 'web-next:2.0.0'));

    writeFileSync(join(dir, 'pinned.yaml'), `image:\n  repository: ghcr.io/acme/web\n  tag: 1.0.0@${a}\n`);
    const alone = run('set-image', '--image', 'ghcr.io/acme/web', '--tag', '1.1.0', 'pinned.yaml');
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('pinned.yaml:3: image.tag in pinned.yaml pins 1.0.0@');
    expect(run('set-image', '--image', `ghcr.io/acme/web:1.1.0@${b}`, 'pinned.yaml').status).toBe(0);
    expect(readFileSync(join(dir, 'pinned.yaml'), 'utf8')).toBe(`image:\n  repository: ghcr.io/acme/web\n  tag: 1.1.0@${b}\n`);

    // Several images: one missing means exit 3 and nothing written.
    const several = run('set-image', '--image', `ghcr.io/acme/web:3.0.0@${a}`, '--image', 'ghcr.io/acme/nope:1', 'pinned.yaml');
    expect(several.status).toBe(3);
    expect(several.stderr).toBe('ferry set-image: image ghcr.io/acme/nope:1 not found in pinned.yaml; nothing written\n');
    expect(readFileSync(join(dir, 'pinned.yaml'), 'utf8')).toContain(`1.1.0@${b}`);

    writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  IMAGE: ghcr.io/acme/web:1.0.0\n');
    const stranded = run('set-image', '--image', 'ghcr.io/acme/web', '--tag', '2', 'cm.yaml');
    expect(stranded.status).toBe(2);
    expect(stranded.stderr).toMatch(/^ferry set-image: cm\.yaml:5: /);
  }, 60_000);
});
