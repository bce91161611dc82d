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

  it('creates a --key path that is in no file, and says so', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '2', '--key', 'web.image.tag', 'values.yaml');
    expect(r).toEqual({ code: 0, stderr: '', stdout: 'values.yaml:9: "" -> 2 (created web.image.tag)\n' });
    expect(get('values.yaml')).toBe(`${VALUES}web:\n  image:\n    tag: "2"\n`);
    const again = await ferry('set-image', '--check', '--image', 'ghcr.io/acme/web', '--tag', '2', '--key', 'web.image.tag', 'values.yaml');
    expect(again.code).toBe(0);
  });

  it('refuses to create a --key path below a value, naming file and line', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '2', '--key', 'worker.image.tag', 'values.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ferry set-image: values.yaml:6: --key worker.image.tag is not in values.yaml and cannot be created: worker.image is a value, not a mapping');
    expect(untouched('values.yaml')).toBe(true);
  });

  it('a tag@digest tag key: tag and digest update together, a digest alone updates the pin, a tag alone is refused', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((x) => `sha256:${x.repeat(64)}`);
    put('values.yaml', `image:\n  repository: ghcr.io/acme/web\n  tag: 1.0.0@${a}\n`);
    const alone = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '1.1.0', 'values.yaml');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain(`values.yaml:3: image.tag in values.yaml pins 1.0.0@${a}; a new tag (1.1.0) without its digest`);
    expect(untouched('values.yaml')).toBe(true);
    expect((await ferry('set-image', '--image', `ghcr.io/acme/web:1.1.0@${b}`, 'values.yaml')).stdout).toBe(`values.yaml:3: 1.0.0@${a} -> 1.1.0@${b}\n`);
    expect((await ferry('set-image', '--image', 'ghcr.io/acme/web', '--digest', c!, 'values.yaml')).code).toBe(0);
    expect(get('values.yaml')).toBe(`image:\n  repository: ghcr.io/acme/web\n  tag: 1.1.0@${c}\n`);
  });

  it('a rename run again exits 0 with no change, and --check agrees', async () => {
    put('deploy.yaml', DEPLOY);
    const rename = ['set-image', '--image', 'ghcr.io/acme/web', '--new-name', 'ghcr.io/acme/web-next', '--tag', '2.0.0', 'deploy.yaml'];
    expect((await ferry(...rename)).code).toBe(0);
    expect(get('deploy.yaml')).toBe(DEPLOY.replace('ghcr.io/acme/web:1.0.0', 'ghcr.io/acme/web-next:2.0.0'));
    const again = await ferry(...rename);
    expect(again).toEqual({ code: 0, stderr: '', stdout: 'nothing to change: ghcr.io/acme/web is already at ghcr.io/acme/web-next 2.0.0 (1 occurrence in 1 file); no file written\n' });
    expect((await ferry('set-image', '--check', ...rename.slice(1))).code).toBe(0);
  });

  it('an image only where Ferry does not rewrite is exit 2 naming file and line, not a silent skip', async () => {
    put('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata:\n  IMAGE: ghcr.io/acme/web:1.0.0\n');
    put('deploy.yaml', DEPLOY);
    const r = await ferry('set-image', '--image', 'ghcr.io/acme/web', '--tag', '2.0.0', 'deploy.yaml', 'cm.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ferry set-image: cm.yaml:5: ghcr.io/acme/web is only at data.IMAGE ("ghcr.io/acme/web:1.0.0") in cm.yaml');
    expect(r.stderr).toContain('run with --key data.IMAGE on this file');
    expect(untouched('deploy.yaml')).toBe(true);
  });

  it('several --image flags: one all-or-nothing edit, every image must be found', async () => {
    put('values.yaml', VALUES);
    put('kustomization.yaml', KUSTOMIZATION);
    const missing = await ferry('set-image', '--image', 'ghcr.io/acme/web:2.0.0', '--image', 'ghcr.io/acme/gone:1', 'values.yaml');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe('ferry set-image: image ghcr.io/acme/gone:1 not found in values.yaml; nothing written\n');
    expect(untouched('values.yaml')).toBe(true);
    const both = await ferry('set-image', '--image', 'ghcr.io/acme/web:2.0.0', '--image', 'ghcr.io/acme/web-worker:2.0.0', 'values.yaml', 'kustomization.yaml');
    expect(both).toEqual({
      code: 0, stderr: '',
      stdout: 'values.yaml:4: 1.0.0 -> 2.0.0\nvalues.yaml:6: ghcr.io/acme/web-worker:1.0.0 -> ghcr.io/acme/web-worker:2.0.0\nkustomization.yaml:5: 1.0.0 -> 2.0.0\nkustomization.yaml:6: "" -> {name: ghcr.io/acme/web-worker, newTag: 2.0.0}\n',
    });
    expect(get('kustomization.yaml')).toBe(`${KUSTOMIZATION.replace('newTag: 1.0.0', 'newTag: 2.0.0')}- name: ghcr.io/acme/web-worker\n  newTag: 2.0.0\n`);
    const again = await ferry('set-image', '--check', '--image', 'ghcr.io/acme/web:2.0.0', '--image', 'ghcr.io/acme/web-worker:2.0.0', 'values.yaml', 'kustomization.yaml');
    expect(again).toMatchObject({ code: 0, stdout: 'nothing to change: ghcr.io/acme/web:2.0.0, ghcr.io/acme/web-worker:2.0.0 are already at target (4 occurrences in 2 files); no file written\n' });
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
    [['--image', 'nginx:1', '--image', 'redis:7', '--tag', '2', 'values.yaml'], /--tag applies to one image, and 2 --image flags are given/],
    [['--image', 'nginx:1', '--image', 'docker.io/library/nginx:2', 'values.yaml'], /image docker\.io\/library\/nginx is given twice \(nginx:1 and docker\.io\/library\/nginx:2\)/],
    [['--image', 'nginx:1', '--image', 'redis', 'values.yaml'], /nothing to set for redis/],
  ])('exits 2 on bad input %j', async (args, message) => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(untouched('values.yaml')).toBe(true);
  });

  it('--json describes every file, occurrence and change', async () => {
    // A digest needs a place in Helm values: a `digest` key (without one, input.no-digest-key, below).
    put('values.yaml', VALUES.replace('tag: "1.0.0"\n', 'tag: "1.0.0"\n  digest: ""\n'));
    put('deploy.yaml', DEPLOY);
    const r = await ferry('set-image', '--json', '--image', 'ghcr.io/acme/web', '--tag', '1.1.0', '--digest', `sha256:${'a'.repeat(64)}`, 'values.yaml', 'deploy.yaml');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, exitCode: 0, found: true, changed: true, written: true, check: false });
    expect(report.files).toEqual([
      {
        path: 'values.yaml', kind: 'helm-values', changed: true,
        occurrences: [{ path: 'values.yaml', line: 4, yamlPath: ['image', 'tag'], reference: '1.0.0', tag: '1.0.0' }],
        changes: [{ line: 4, yamlPath: ['image', 'tag'], old: '1.0.0', new: '1.1.0' }, { line: 5, yamlPath: ['image', 'digest'], old: '', new: `sha256:${'a'.repeat(64)}` }],
      },
      {
        path: 'deploy.yaml', kind: 'manifests', changed: true,
        occurrences: [{ path: 'deploy.yaml', line: 10, yamlPath: ['spec', 'template', 'spec', 'containers', 0, 'image'], reference: 'ghcr.io/acme/web:1.0.0', tag: '1.0.0' }],
        changes: [{ line: 10, yamlPath: ['spec', 'template', 'spec', 'containers', 0, 'image'], old: 'ghcr.io/acme/web:1.0.0', new: `ghcr.io/acme/web:1.1.0@sha256:${'a'.repeat(64)}` }],
      },
    ]);
  });

  it('a tag and a digest for Helm values without a digest key: exit 2 at the tag\'s line, nothing written', async () => {
    put('values.yaml', VALUES);
    const r = await ferry('set-image', '--image', `ghcr.io/acme/web:1.1.0@sha256:${'a'.repeat(64)}`, 'values.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has a tag but no digest key');
    expect(r.stderr).toContain('values.yaml:4');
    expect(get('values.yaml')).toBe(VALUES);
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
    for (const code of ['0  done', '1  --check', '2  bad input', '3  an image']) expect(r.stdout).toContain(code);
  });
  it('rejects unknown commands and a bare call with exit 2', async () => {
    expect((await ferry('nope')).code).toBe(2);
    expect((await ferry()).code).toBe(2);
  });
});
