// The real bin, as users run it: `node apps/cli/bin/ferry.js` loads the bundle (apps/cli/bundle/),
// so this test first brings it up to date with the same build `npm ci` runs (build-bundle.mjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shippedBin } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let bin: string;
let dir: string;

beforeAll(() => {
  bin = shippedBin('cli');
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

  // Issue 14: `ferry --help` costs about what `node -e 0` does because it loads only the CLI's own
  // entry files; a command's modules (promoter, zod, yaml, isomorphic-git, Octokit) load when it runs.
  // A module-resolution hook (module.register) records every module the bin resolves.
  it('loads only its entry chunk for --help and an unknown command, and the promoter for a command', () => {
    const hooks = join(dir, 'record-hooks.mjs');
    writeFileSync(hooks, "import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const r = await next(specifier, context);\n  appendFileSync(process.env.FERRY_TEST_RESOLVED, r.url + '\\n');\n  return r;\n}\n");
    const register = join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    /** Files the bin resolved (relative to the repository) and their bytes in all. */
    const loaded = (...args: string[]): { files: string[]; bytes: number } => {
      const log = join(dir, `resolved-${args.join('-')}.txt`);
      const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000, env: { ...process.env, FERRY_TEST_RESOLVED: log } });
      expect(r.error).toBeUndefined();
      const files = [...new Set(readFileSync(log, 'utf8').trim().split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)))];
      return { files: files.map((f) => f.slice(repoRoot.length)).sort(), bytes: files.reduce((n, f) => n + statSync(f).size, 0) };
    };
    for (const args of [['--help'], ['nope']]) {
      const { files, bytes } = loaded(...args);
      // main.js and the two tiny chunks it shares with the commands (exit codes, esbuild's helpers).
      expect(files).toContain('apps/cli/bundle/main.js');
      expect(files.every((f) => f === 'apps/cli/bin/ferry.js' || f.startsWith('apps/cli/bundle/'))).toBe(true);
      expect(bytes).toBeLessThan(8_000);
    }
    // A command loads its chunks (the promoter, zod, yaml, isomorphic-git), from the bundle only.
    const promote = loaded('promote', '--help');
    expect(promote.files.every((f) => f.startsWith('apps/cli/bin/') || f.startsWith('apps/cli/bundle/'))).toBe(true);
    expect(promote.bytes).toBeGreaterThan(500_000);
  }, 60_000);

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
