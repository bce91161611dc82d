import { helmPath, kubectlPath, startGitServer, type GitServer } from '@ferry/testenv';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExampleFiles } from '../../test/example-files.js';
import { commitTree } from '../../test/git-fixture.js';
import { IsomorphicGitSource } from '../git-source.js';
import { detectMode, renderSource, type RenderInput } from './render-source.js';

// Real git server, real isomorphic-git, real kubectl (kustomize) and helm binaries.
let server: GitServer;
let tmp: string;
let source: IsomorphicGitSource;
let tools: { kubectl: string; helm: string };

beforeAll(async () => {
  server = await startGitServer();
  tmp = await mkdtemp(join(tmpdir(), 'ferry-render-test-'));
  source = new IsomorphicGitSource({ cacheDir: join(tmp, 'git') });
  tools = { kubectl: kubectlPath(), helm: helmPath() };
});
afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

let repoCount = 0;
async function render(files: Record<string, string>, input: Partial<RenderInput>) {
  const repo = await server.createRepo(`acme/render-${++repoCount}`);
  const commit = await commitTree(repo.path, files);
  await source.fetchCommit(repo.url, { branch: 'main' }, commit);
  return renderSource({ source, url: repo.url, commit, path: '', mode: 'auto', tools, tmpDir: tmp, ...input });
}

const summary = (objects: { object: { kind: string; metadata: { name: string } } }[]) => objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort();

describe('detectMode', () => {
  it.each([
    [['kustomization.yaml', 'a.yaml'], 'kustomize'],
    [['Kustomization'], 'kustomize'],
    [['Chart.yaml', 'values.yaml'], 'helm'],
    [['a.yaml', 'b.yml'], 'plain'],
  ])('%j -> %s', (names, mode) => {
    expect(detectMode(new Set(names))).toBe(mode);
  });
});

describe('renderSource', () => {
  it('reads a plain directory recursively, skipping hidden and non-manifest files', async () => {
    const result = await render(
      { ...readExampleFiles('plain-app'), 'examples/plain-app/README.md': '# not yaml', 'examples/plain-app/.hidden/x.yaml': 'bad: [' },
      { path: 'examples/plain-app' },
    );
    expect(result.mode).toBe('plain');
    expect(summary(result.objects)).toEqual(['ConfigMap/settings', 'Namespace/plain-app']);
    expect(result.objects.find((o) => o.object.kind === 'ConfigMap')?.source).toEqual({ file: 'examples/plain-app/config.yaml', line: 1 });
  });

  it('builds the kustomize example overlay with the real kustomize', async () => {
    const result = await render(readExampleFiles('kustomize-app'), { path: 'examples/kustomize-app/overlays/staging' });
    expect(result.mode).toBe('kustomize');
    const names = summary(result.objects);
    expect(names).toContain('Deployment/staging-web');
    expect(names).toContain('Service/staging-web');
    const deployment = result.objects.find((o) => o.object.kind === 'Deployment')?.object as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(deployment.spec.template.spec.containers[0]?.image).toBe('ghcr.io/acme/web:1.1.0');
  });

  it('renders the Helm example with values files from the repository', async () => {
    const result = await render(readExampleFiles('helm-app'), {
      mode: 'helm',
      helm: { chart: 'examples/helm-app/chart', releaseName: 'shop', valuesFiles: ['examples/helm-app/env/production.yaml'] },
      namespace: 'shop',
    });
    expect(summary(result.objects)).toEqual(['ConfigMap/shop-config', 'Deployment/shop', 'Service/shop']);
    const deployment = result.objects.find((o) => o.object.kind === 'Deployment');
    expect((deployment?.object.spec as { replicas: number }).replicas).toBe(3);
    expect(deployment?.source?.file).toBe('examples/helm-app/chart/templates/deployment.yaml');
  });

  it('reports a failing kustomize build with the file it names', async () => {
    const files = { 'app/kustomization.yaml': 'resources:\n  - missing.yaml\n' };
    await expect(render(files, { path: 'app' })).rejects.toMatchObject({ code: 'render.kustomize', file: 'app/missing.yaml' });
  });

  it('reports a Helm template error with file and line', async () => {
    const files = {
      'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
      'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.nope.deeper }}\n',
    };
    await expect(render(files, { path: 'chart' })).rejects.toMatchObject({ code: 'render.helm', file: 'chart/templates/cm.yaml', line: 6 });
  });

  it('reports bad YAML in a plain directory with file and line', async () => {
    const files = { 'app/ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 'app/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: [x\n' };
    await expect(render(files, { path: 'app' })).rejects.toMatchObject({ code: 'render.yaml', file: 'app/bad.yaml' });
  });
});
