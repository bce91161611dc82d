import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ferry(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir, env: {} });
  return { code, stdout, stderr };
}
const put = (name: string, content: string) => {
  writeFileSync(join(dir, name), content);
  // An old mtime makes "not written at all" observable.
  utimesSync(join(dir, name), new Date(2020, 0, 1), new Date(2020, 0, 1));
};
const get = (name: string) => readFileSync(join(dir, name), 'utf8');
const untouched = (name: string) => statSync(join(dir, name)).mtime.getTime() === new Date(2020, 0, 1).getTime();

const VALUES = '# values\nimage:\n  repository: ghcr.io/acme/web # the app\n  tag: "1.0.0"\nworker:\n  image: ghcr.io/acme/web-worker:1.0.0\n';
const KUSTOMIZATION = 'resources:\n- deploy.yaml\nimages:\n- name: ghcr.io/acme/web\n  newTag: 1.0.0 # pinned by CI\n';
const DEPLOY = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: ghcr.io/acme/web:1.0.0\n';

describe('ferry set-image', () => {
  it('edits every kind of file and prints FILE:LINE: old -> new', async () => {
    put('values.yaml', VALUES);
    put('kustomization.yaml', KUSTOMIZATION);
    put('deploy.yaml', DEPLOY);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '1.1.0', 'values.yaml', 'kustomization.yaml', 'deploy.yaml');
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: 'values.yaml:4: 1.0.0 -> 1.1.0\nkustomization.yaml:5: 1.0.0 -> 1.1.0\ndeploy.yaml:10: ghcr.io/acme/web:1.0.0 -> ghcr.io/acme/web:1.1.0\n',
    });
    expect(get('values.yaml')).toBe(VALUES.replace('"1.0.0"', '"1.1.0"'));
    expect(get('kustomization.yaml')).toBe(KUSTOMIZATION.replace('newTag: 1.0.0', 'newTag: 1.1.0'));
    expect(get('deploy.yaml')).toBe(DEPLOY.replace('web:1.0.0', 'web:1.1.0'));
  });

  it('writes nothing when already at target, and says why', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web:1.0.0', 'values.yaml');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('nothing to change: ghcr.io/acme/web:1.0.0 is already at 1.0.0 (1 occurrence in 1 file); no file written\n');
    expect(untouched('values.yaml')).toBe(true);
  });

  it('--check exits 1 when a change is needed and writes nothing', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--check', '--image', 'ghcr.io/acme/web', '--tag', '2.0.0', 'values.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('values.yaml:4: 1.0.0 -> 2.0.0\nchange needed (--check): nothing written\n');
    expect(untouched('values.yaml')).toBe(true);
    expect((await ferry('set-image', '--check', '--image', 'ghcr.io/acme/web', '--tag', '1.0.0', 'values.yaml')).code).toBe(0);
  });

  it('exits 3 when the image is in no file', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web-work', '--tag', '2.0.0', 'values.yaml');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('ferry set-image: image ghcr.io/acme/web-work not found in values.yaml; nothing written\n');
    expect(untouched('values.yaml')).toBe(true);
  });

  it('exits 3 when the --key path is in no file', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '2', '--key', 'image.version', 'values.yaml');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--key image.version not found');
  });

  it('--key changes only that value', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '2.0.0', '--key', 'worker.image', 'values.yaml');
    expect(r.code).toBe(0);
    expect(get('values.yaml')).toBe(VALUES.replace('ghcr.io/acme/web-worker:1.0.0', '2.0.0'));
  });

  it('is all-or-nothing: invalid YAML in one file writes none, and names file and line', async () => {
    put('values.yaml', VALUES);
    put('broken.yaml', 'a: 1\nimage: @(IMAGE)\n');
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '2.0.0', 'values.yaml', 'broken.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ferry set-image: broken\.yaml:2:\d+: invalid YAML: /);
    expect(r.stdout).toBe('');
    expect(untouched('values.yaml')).toBe(true);
  });

  it.each([
    [['--image', 'ghcr.io/acme/web', '--tag=-bad', 'values.yaml'], /invalid tag "-bad": the tag must start with/],
    [['--image', 'ghcr.io/acme/web', '--digest', 'sha256:abc', 'values.yaml'], /invalid digest "sha256:abc": a sha256 digest has 64 hex digits, this one has 3/],
    [['--image', 'ghcr.io/Acme/web', '--tag', '1', 'values.yaml'], /invalid image reference "ghcr.io\/Acme\/web": repository "Acme\/web" must be lower-case/],
    [['--image', 'nginx:1.0', '--tag', '2.0', 'values.yaml'], /the tag is given twice/],
    [['--image', 'nginx', 'values.yaml'], /nothing to set for nginx/],
    [['--tag', '1', 'values.yaml'], /--image is required/],
    [['--image', 'nginx', '--tag', '1'], /no FILE given/],
    [['--image', 'nginx', '--tga', '1', 'values.yaml'], /^ferry set-image: Unknown option '--tga'/],
    [['--image', 'nginx', '--tag', '1', 'missing.yaml'], /missing\.yaml: cannot read missing\.yaml: no such file/],
  ])('exits 2 on bad input %j', async (args, message) => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(untouched('values.yaml')).toBe(true);
  });

  it('--json describes every file, occurrence and change', async () => {
    put('values.yaml', VALUES);
    put('deploy.yaml', DEPLOY);
    const r = await ferry('set-image', '--json', '--image', 'ghcr.io/acme/web', '--tag', '1.1.0', '--digest', `sha256:${'a'.repeat(64)}`, 'values.yaml', 'deploy.yaml');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, exitCode: 0, found: true, changed: true, written: true, check: false });
    expect(report.files).toEqual([
      {
        path: 'values.yaml', kind: 'helm-values', changed: true,
        occurrences: [{ path: 'values.yaml', line: 4, yamlPath: ['image', 'tag'], reference: '1.0.0', tag: '1.0.0' }],
        changes: [{ line: 4, yamlPath: ['image', 'tag'], old: '1.0.0', new: '1.1.0' }],
      },
      {
        path: 'deploy.yaml', kind: 'manifests', changed: true,
        occurrences: [{ path: 'deploy.yaml', line: 10, yamlPath: ['spec', 'template', 'spec', 'containers', 0, 'image'], reference: 'ghcr.io/acme/web:1.0.0', tag: '1.0.0' }],
        changes: [{ line: 10, yamlPath: ['spec', 'template', 'spec', 'containers', 0, 'image'], old: 'ghcr.io/acme/web:1.0.0', new: `ghcr.io/acme/web:1.1.0@sha256:${'a'.repeat(64)}` }],
      },
    ]);
  });

  it('--json reports errors as JSON too', async () => {
    const r = await ferry('set-image', '--json', '--image', 'nginx', '--tag', '1', 'missing.yaml');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: expect.objectContaining({ code: 'input.file-unreadable', file: 'missing.yaml' }) });
  });
});

describe('ferry help', () => {
  it('lists commands', async () => {
    const r = await ferry('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+set-image\s+set an image/m);
  });
  it('documents every set-image flag and exit code', async () => {
    const r = await ferry('set-image', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--image', '--tag', '--digest', '--new-name', '--key', '--check', '--json', '--help']) expect(r.stdout).toContain(flag);
    for (const code of ['0  done', '1  --check', '2  bad input', '3  the image']) expect(r.stdout).toContain(code);
  });
  it('rejects unknown commands and a bare call with exit 2', async () => {
    expect((await ferry('nope')).code).toBe(2);
    expect((await ferry()).code).toBe(2);
  });
});
