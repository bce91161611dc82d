import { describe, expect, it } from 'vitest';
import { checkKustomizations, looksRemote } from './check-kustomizations.js';

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));
const base = { 'base/kustomization.yaml': 'resources:\n  - cm.yaml\n', 'base/cm.yaml': 'kind: ConfigMap\n' };
const check = (tree: Record<string, string>, target = 'app', allowRemote = false) => () => checkKustomizations(files(tree), target, { allowRemote });

describe('checkKustomizations: remote references (issue 17, bug 10)', () => {
  it.each([
    ['resources', 'resources:\n  - ../base\n  - http://10.0.0.1:8080/cm.yaml\n', 3],
    ['resources https', 'resources:\n- https://raw.githubusercontent.com/acme/x/main/cm.yaml\n', 2],
    ['bases (github.com remote base)', 'bases:\n  - github.com/acme/config//base?ref=v1\n', 2],
    ['git@ scp form', 'resources:\n  - git@github.com:acme/config.git//base\n', 2],
    ['ssh url', 'resources:\n  - ssh://git@example.com/acme/config.git\n', 2],
    ['components', 'components:\n  - https://example.com/comp\n', 2],
    ['a host without a scheme', 'resources:\n  - example.com/acme/config/base\n', 2],
    ['a ?ref= query', 'resources:\n  - acme/config?ref=main\n', 2],
    ['openapi.path', 'openapi:\n  path: https://example.com/schema.json\n', 2],
    ['crds', 'crds:\n  - http://example.com/crd.json\n', 2],
    ['patches[].path', 'patches:\n  - target: {kind: ConfigMap}\n    path: https://example.com/p.yaml\n', 3],
    ['configMapGenerator files with a key', 'configMapGenerator:\n  - name: c\n    files:\n      - k=https://example.com/x\n', 4],
    ['helmCharts repo', 'helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n', 3],
    ['transformers', 'transformers:\n  - http://example.com/t.yaml\n', 2],
    ['replacements path', 'replacements:\n  - path: https://example.com/r.yaml\n', 2],
  ])('%s is refused with file and line', (_name, kustomization, line) => {
    expect(check({ ...base, 'app/kustomization.yaml': kustomization })).toThrowError(expect.objectContaining({ code: 'render.remote-resource', file: 'app/kustomization.yaml', line }));
  });

  it('follows local bases: a remote reference two levels down is found in its own file', () => {
    const tree = {
      'app/kustomization.yaml': 'resources:\n  - ../mid\n',
      'mid/Kustomization': 'components:\n  - ../comp\n',
      'comp/kustomization.yml': 'kind: Component\nresources:\n  - https://example.com/x.yaml\n',
    };
    expect(check(tree)).toThrowError(expect.objectContaining({ code: 'render.remote-resource', file: 'comp/kustomization.yml', line: 3 }));
  });

  it('allowRemote lets remote references through; local escapes are still refused', () => {
    expect(check({ 'app/kustomization.yaml': 'resources:\n  - https://example.com/x.yaml\n' }, 'app', true)).not.toThrow();
    expect(check({ 'app/kustomization.yaml': 'resources:\n  - ../../x\n' }, 'app', true)).toThrowError(expect.objectContaining({ code: 'render.outside-repository' }));
  });

  it('does not look at kustomizations the target does not reach', () => {
    expect(check({ ...base, 'app/kustomization.yaml': 'resources:\n  - ../base\n', 'other/kustomization.yaml': 'resources:\n  - https://example.com/x\n' })).not.toThrow();
  });

  it('a local directory that looks like a host is local (kustomize reads local first)', () => {
    expect(check({ 'app/kustomization.yaml': 'resources:\n  - github.com/acme/base\n', 'app/github.com/acme/base/kustomization.yaml': 'resources: []\n' })).not.toThrow();
  });
});

describe('checkKustomizations: paths out of the repository (the ../ risk)', () => {
  it.each([
    ['a base above the repository root', 'resources:\n  - ../../ferry-render-other/repo/app\n', 2],
    ['the parent of the repository', 'resources:\n  - ../..\n', 2],
    ['an absolute directory', 'resources:\n  - /var/run/secrets/kubernetes.io/serviceaccount\n', 2],
    ['a home-relative path', 'bases:\n  - ~/.kube\n', 2],
    ['a generator file outside', 'secretGenerator:\n  - name: s\n    files:\n      - token=../../../../var/run/secrets/token\n', 4],
    ['a patch file outside', 'patches:\n  - path: ../../p.yaml\n', 2],
    ['helmGlobals chartHome outside', 'helmGlobals:\n  chartHome: ../../charts\n', 2],
  ])('%s is refused with file and line', (_name, kustomization, line) => {
    expect(check({ 'app/kustomization.yaml': kustomization })).toThrowError(expect.objectContaining({ code: 'render.outside-repository', file: 'app/kustomization.yaml', line }));
  });

  it('the repository root itself as the target may reference its subdirectories but not its parent', () => {
    expect(check({ 'kustomization.yaml': 'resources:\n  - base\n', ...base }, '')).not.toThrow();
    expect(check({ 'kustomization.yaml': 'resources:\n  - ../x\n' }, '')).toThrowError(expect.objectContaining({ code: 'render.outside-repository', file: 'kustomization.yaml' }));
  });

  it('ordinary overlays pass: sibling bases, inline patches, generators with local files, a missing file (kustomize reports it)', () => {
    const tree = {
      ...base,
      'app/kustomization.yaml': [
        'resources:\n  - ../base\n  - missing.yaml',
        'patches:\n  - patch: |-\n      - op: add\n        path: /x\n        value: https://example.com/\n    target: {kind: ConfigMap}',
        'configMapGenerator:\n  - name: c\n    files:\n      - app.properties\n    literals:\n      - url=https://example.com',
        'commonAnnotations:\n  runbook: https://example.com/runbook',
        'images:\n  - name: web\n    newName: ghcr.io/acme/web',
      ].join('\n') + '\n',
      'app/app.properties': 'a=1\n',
    };
    expect(check(tree)).not.toThrow();
  });
});

describe('looksRemote', () => {
  it.each(['https://x/y', 'HTTP://x', 'git::https://x', 'file:///etc', 'oci://r/c', 'git@github.com:a/b', 'github.com/a/b', 'gitlab.com/a/b//c', 'a/b?ref=v1', 'host.example:8080/x', 'a//b'])('%s is remote', (v) => {
    expect(looksRemote(v)).toBe(true);
  });
  it.each(['../base', 'base', './overlays/prod', 'cm.yaml', 'v1.2/base', '.hidden/x'])('%s is local', (v) => {
    expect(looksRemote(v)).toBe(false);
  });
});

describe('checkKustomizations reads the file as kustomize does', () => {
  it.each([
    ['an alias', 'x: &u https://example.com/cm.yaml\nresources:\n  - *u\n'],
    ['an aliased list', 'x: &l [https://example.com/cm.yaml]\nresources: *l\n'],
    ['a merge key', 'base: &b\n  resources: [https://example.com/cm.yaml]\n<<: *b\n'],
    ['a field name in another case', 'Resources:\n  - https://example.com/cm.yaml\n'],
    ['a JSON kustomization with an escape', '{"resources": ["\\u0068ttps://example.com/cm.yaml"]}\n'],
    ['a second document', 'resources: []\n---\nresources:\n  - https://example.com/cm.yaml\n'],
  ])('%s', (_name, kustomization) => {
    expect(check({ 'app/kustomization.yaml': kustomization })).toThrowError(expect.objectContaining({ code: 'render.remote-resource', file: 'app/kustomization.yaml' }));
  });

  it('a kustomization that is not YAML is refused with its line (it cannot be checked)', () => {
    expect(check({ 'app/kustomization.yaml': 'resources:\n  - a\n b: [\n' })).toThrowError(expect.objectContaining({ code: 'render.kustomize', file: 'app/kustomization.yaml' }));
  });
});

describe('checkKustomizations: helmCharts (issue 13)', () => {
  const chart = { 'app/charts/c/Chart.yaml': 'name: c\n', 'charts/d/Chart.yaml': 'name: d\n' };
  it('says whether a reached kustomization inflates charts', () => {
    expect(checkKustomizations(files({ ...chart, 'app/kustomization.yaml': 'helmCharts:\n  - name: c\n' }), 'app', { allowRemote: false })).toEqual({ helmCharts: true });
    expect(checkKustomizations(files({ ...base, 'app/kustomization.yaml': 'resources:\n  - ../base\n' }), 'app', { allowRemote: false })).toEqual({ helmCharts: false });
    expect(checkKustomizations(files({ ...chart, 'app/kustomization.yaml': 'resources:\n  - ../mid\n', 'mid/kustomization.yaml': 'helmGlobals:\n  chartHome: ../charts\nHelmCharts:\n  - name: d\n' }), 'app', { allowRemote: false })).toEqual({ helmCharts: true });
  });

  it('a chart name that climbs out of the repository through chartHome is refused with its line', () => {
    expect(check({ ...chart, 'app/kustomization.yaml': 'helmCharts:\n  - releaseName: r\n    name: ../../../etc\n' })).toThrowError(expect.objectContaining({ code: 'render.outside-repository', file: 'app/kustomization.yaml', line: 3 }));
  });

  it('helmGlobals.configHome is refused in any case, even with allowRemote: helm reads no configuration from the repository', () => {
    expect(check({ ...chart, 'app/kustomization.yaml': 'helmCharts:\n  - name: c\nhelmGlobals:\n  ConfigHome: app/helm\n' }, 'app', true)).toThrowError(expect.objectContaining({ code: 'render.kustomize', file: 'app/kustomization.yaml', line: 4 }));
  });
});
