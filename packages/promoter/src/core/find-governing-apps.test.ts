import { describe, expect, it } from 'vitest';
import { findGoverningApps, type GoverningApp } from './find-governing-apps.js';

const values = `eu:
  image:
    repository: ghcr.io/acme/web
    tag: "1.0.0"
us:
  image:
    repository: ghcr.io/acme/web
    tag: "1.0.0"
`;
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
        - name: web-debug
          image: ghcr.io/acme/web:1.0.0
`;
const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deploy.yaml]
`;

const app = (name: string, files: GoverningApp['files']): GoverningApp => ({ app: name, env: 'prod', policy: {}, files });
const contents = new Map<string, string | null>([['values.yaml', values], ['deploy.yaml', deployment], ['kustomization.yaml', kustomization]]);
const eu = app('web-eu', [{ path: 'values.yaml', key: 'eu.image.tag' }]);
const us = app('web-us', [{ path: 'values.yaml', key: 'us.image.tag' }]);
const deploy = app('web', [{ path: './deploy.yaml' }]);
const kustomize = app('web-k', [{ path: 'kustomization.yaml' }]);
const container0 = app('web-c0', [{ path: 'two.yaml', key: 'spec.template.spec.containers.0.image' }]);

describe('findGoverningApps', () => {
  it.each([
    ['a key governs only its own entry of a shared file', [{ path: 'values.yaml', key: 'eu.image.tag' }], ['web-eu']],
    ['another scalar of the same image entry is still governed', [{ path: 'values.yaml', key: 'eu.image.repository' }], ['web-eu']],
    ['a key that is not a value cannot be ruled out: governed', [{ path: 'values.yaml', key: 'eu.image' }], ['web-eu', 'web-us']],
    ['no key edits every entry: every app of the file governs', [{ path: 'values.yaml' }], ['web-eu', 'web-us']],
    ['paths are compared as the workspace reads them', [{ path: '/deploy.yaml' }], ['web']],
    ['a kustomization that gets the image added is governed by its app', [{ path: 'kustomization.yaml' }], ['web-k']],
    ['a file nobody lists is ungoverned', [{ path: 'other.yaml' }], []],
    ['another container of the same image is not governed', [{ path: 'two.yaml', key: 'spec.template.spec.containers.1.image' }], []],
    ['the governed container is', [{ path: 'two.yaml', key: 'spec.template.spec.containers.0.image' }], ['web-c0']],
  ])('%s', (_name, files, expected) => {
    const found = findGoverningApps({ image: 'ghcr.io/acme/web', files, contents: new Map([...contents, ['other.yaml', deployment], ['/deploy.yaml', deployment], ['two.yaml', deployment]]), apps: [eu, us, deploy, kustomize, container0] });
    expect(found.map((g) => g.app)).toEqual(expected);
  });

  it('cannot rule out (missing file, bad key): governs', () => {
    const broken = app('web-broken', [{ path: 'values.yaml', key: 'a..b' }]);
    expect(findGoverningApps({ image: 'ghcr.io/acme/web', files: [{ path: 'values.yaml', key: 'us.image.tag' }], contents, apps: [broken] }).map((g) => g.app)).toEqual(['web-broken']);
    expect(findGoverningApps({ image: 'ghcr.io/acme/web', files: [{ path: 'gone.yaml' }], contents, apps: [app('x', [{ path: 'gone.yaml' }])] }).map((g) => g.app)).toEqual(['x']);
  });
});
