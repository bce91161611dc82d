import { describe, expect, it } from 'vitest';
import { findImageOccurrences, planSetImage } from './set-image.js';

const SHA = `sha256:${'c'.repeat(64)}`;

describe('file kind detection', () => {
  it.each([
    ['kustomization.yaml', 'resources: []\n', 'kustomization'],
    ['overlays/prod/Kustomization', 'resources: []\n', 'kustomization'],
    ['base.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n', 'kustomization'],
    ['component.yaml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n', 'kustomization'],
    ['flux.yaml', 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\n', 'manifests'],
    ['deploy.yaml', '# c\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n', 'manifests'],
    ['values.yaml', 'image:\n  repository: nginx\n', 'helm-values'],
    ['empty.yaml', '', 'helm-values'],
    ['comments.yaml', '# nothing here\n', 'helm-values'],
  ])('%s is %s', (path, content, kind) => {
    expect(planSetImage([{ path, content }], { image: 'nginx', tag: '1' }).files[0]!.kind).toBe(kind);
  });
});

describe('findImageOccurrences', () => {
  it('reads tag and digest from every kind of place', () => {
    const files = [
      { path: 'values.yaml', content: `a:\n  registry: docker.io\n  repository: library/nginx\n  tag: "1.25"\n  digest: ${SHA}\nb: nginx:1.24\nc: nginx-unrelated:1\n` },
      { path: 'kustomization.yaml', content: 'images:\n- name: nginx\n  newName: mirror.example.com/nginx\n  newTag: 1.23\n' },
      { path: 'pod.yaml', content: `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: "nginx@${SHA}"}\n` },
    ];
    expect(findImageOccurrences(files, 'docker.io/library/nginx:ignored')).toEqual([
      { path: 'values.yaml', line: 4, yamlPath: ['a', 'tag'], reference: '1.25', tag: '1.25', digest: SHA },
      { path: 'values.yaml', line: 6, yamlPath: ['b'], reference: 'nginx:1.24', tag: '1.24' },
      { path: 'kustomization.yaml', line: 2, yamlPath: ['images', 0], reference: 'mirror.example.com/nginx:1.23', tag: '1.23' },
      { path: 'pod.yaml', line: 6, yamlPath: ['spec', 'containers', 0, 'image'], reference: `nginx@${SHA}`, digest: SHA },
    ]);
  });

  it('reads one dotted path with --key', () => {
    const files = [{ path: 'v.yaml', content: 'app:\n  versions: [1.0.0, 2.0.0]\n  image: ghcr.io/acme/web:3.0.0\n' }];
    expect(findImageOccurrences(files, 'ghcr.io/acme/web', 'app.versions.1')).toEqual([{ path: 'v.yaml', line: 2, yamlPath: ['app', 'versions', 1], reference: '2.0.0', tag: '2.0.0' }]);
    expect(findImageOccurrences(files, 'ghcr.io/acme/web', 'app.image')).toEqual([{ path: 'v.yaml', line: 3, yamlPath: ['app', 'image'], reference: 'ghcr.io/acme/web:3.0.0', tag: '3.0.0' }]);
    expect(findImageOccurrences(files, 'ghcr.io/acme/web', 'app.missing')).toEqual([]);
  });
});

describe('planSetImage', () => {
  it('reports found/changed and leaves untouched files null', () => {
    const plan = planSetImage(
      [{ path: 'a.yaml', content: 'image: nginx:1.25\n' }, { path: 'b.yaml', content: 'image: redis:7\n' }],
      { image: 'nginx', tag: '1.27' },
    );
    expect(plan).toMatchObject({ found: true, changed: true });
    expect(plan.files.map((f) => f.newContent)).toEqual(['image: nginx:1.27\n', null]);
    expect(plan.files[0]!.changes).toEqual([{ line: 1, yamlPath: ['image'], old: 'nginx:1.25', new: 'nginx:1.27' }]);
  });

  it('is found but unchanged when already at target', () => {
    expect(planSetImage([{ path: 'a.yaml', content: 'image: nginx:1.27\n' }], { image: 'nginx:1.27' })).toMatchObject({ found: true, changed: false });
  });

  it('is not found when no file names the image (a kustomization always takes it)', () => {
    expect(planSetImage([{ path: 'a.yaml', content: 'image: nginx-x:1\n' }], { image: 'nginx', tag: '1' })).toMatchObject({ found: false, changed: false });
    expect(planSetImage([{ path: 'kustomization.yaml', content: 'resources: []\n' }], { image: 'nginx', tag: '1' })).toMatchObject({ found: true, changed: true });
  });

  it.each([
    [{ image: 'nginx', tag: 'a/b' }, 'input.invalid-tag'],
    [{ image: 'nginx', digest: 'sha256:xyz' }, 'input.invalid-digest'],
    [{ image: 'NGINX', tag: '1' }, 'input.invalid-reference'],
    [{ image: 'nginx', newName: 'other:1' }, 'input.invalid-reference'],
    [{ image: 'nginx@' + SHA, digest: `sha256:${'d'.repeat(64)}` }, 'input.conflict'],
    [{ image: 'nginx' }, 'input.nothing-to-set'],
    [{ image: 'nginx', tag: '1', key: 'a..b' }, 'input.invalid-key'],
    [{ image: 'nginx', key: 'image' }, 'input.nothing-to-set'],
    [{ image: 'nginx', digest: SHA, key: 'other' }, 'input.missing-tag'],
    [{ image: 'nginx', tag: '1', key: 'map' }, 'input.key-not-scalar'],
  ])('rejects %j with %s', (change, code) => {
    expect(() => planSetImage([{ path: 'a.yaml', content: 'image: nginx:1\nother: x\nmap: {a: 1}\n' }], change)).toThrow(expect.objectContaining({ code }));
  });
});
