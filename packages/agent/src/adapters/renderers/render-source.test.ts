import { helmPath, kubectlPath, startGitServer, type GitServer } from '@ferry/testenv';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExampleFiles } from '../../test/example-files.js';
import { commitTree } from '../../test/git-fixture.js';
import { IsomorphicGitSource } from '../git-source.js';
import { detectMode, renderSource, renderToolEnv, type RenderInput } from './render-source.js';
import { runTool } from './run-tool.js';

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

const chart = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  x: {{ .Values.x | default "none" | quote }}\n',
};
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

/** A file standing for the agent's mounted tokens: no render may read it. */
async function hostSecret(): Promise<string> {
  const file = join(tmp, `host-secret-${++repoCount}`);
  await writeFile(file, 'host-secret-value\n');
  return file;
}

// Issue 17, bug 3: fields that become arguments. The Sync schema refuses these; the renderer refuses
// them again for any caller that did not parse a Sync (defence in depth).
describe('renderSource: arguments from the Sync cannot become tool options', () => {
  it('a release name that is a helm option is refused, and the host file is not read', async () => {
    const secret = await hostSecret();
    const rendering = render(chart, { mode: 'helm', helm: { chart: 'chart', releaseName: `--set-file=x=${secret}`, valuesFiles: [] } });
    await expect(rendering).rejects.toMatchObject({ code: 'render.helm-release-name' });
  });

  it('a chart directory named like a kustomize/helm option is refused', async () => {
    const files = { '--load-restrictor=LoadRestrictionsNone/kustomization.yaml': 'resources:\n  - cm.yaml\n', '--load-restrictor=LoadRestrictionsNone/cm.yaml': cm('a') };
    await expect(render(files, { path: '--load-restrictor=LoadRestrictionsNone' })).rejects.toMatchObject({ code: 'sync.spec', message: expect.stringContaining('start with "-"') });
    await expect(render(chart, { mode: 'helm', helm: { chart: '-', valuesFiles: [] } })).rejects.toMatchObject({ code: 'sync.spec' });
  });

  it('values files "-" (standard input), options and absolute paths are refused', async () => {
    const secret = await hostSecret();
    for (const values of ['-', './-', `--set-file=x=${secret}`, secret, '.']) {
      await expect(render(chart, { mode: 'helm', helm: { chart: 'chart', releaseName: 'r', valuesFiles: [values] } }), values).rejects.toMatchObject({ code: 'sync.spec' });
    }
  });

  it('a namespace that is an option is refused', async () => {
    await expect(render(chart, { mode: 'helm', namespace: '--kube-context=x', helm: { chart: 'chart', releaseName: 'r', valuesFiles: [] } })).rejects.toMatchObject({ code: 'sync.spec' });
  });

  it('ordinary names still render: dotted release names, ./ paths, values files in subdirectories', async () => {
    const result = await render({ ...chart, 'env/a.yaml': 'x: from-values\n' }, { mode: 'helm', helm: { chart: './chart/', releaseName: 'web.prod-1', valuesFiles: ['./env/a.yaml'] } });
    expect(result.objects.map((o) => [o.object.metadata.name, o.object.data])).toEqual([['web.prod-1', { x: 'from-values' }]]);
  });

  it('a kustomization inside the repository cannot switch the load restrictor off: files outside a kustomization root stay unreadable', async () => {
    const files = { 'app/kustomization.yaml': 'configMapGenerator:\n  - name: c\n    files:\n      - ../shared/x.txt\n', 'shared/x.txt': 'x\n' };
    await expect(render(files, { path: 'app' })).rejects.toMatchObject({ code: 'render.kustomize', message: expect.stringContaining('security') });
  });
});

// Issue 17, bug 11a.
describe('renderSource: the repository root as the path', () => {
  it.each(['', '.', './', './/'])('%j renders the root', async (path) => {
    const result = await render({ 'a.yaml': cm('root-a'), 'sub/b.yaml': cm('sub-b') }, { path });
    expect(summary(result.objects)).toEqual(['ConfigMap/root-a', 'ConfigMap/sub-b']);
  });
  it('"./x/" renders x', async () => {
    const result = await render({ 'x/kustomization.yaml': 'resources:\n  - a.yaml\n', 'x/a.yaml': cm('in-x') }, { path: './x/' });
    expect(summary(result.objects)).toEqual(['ConfigMap/in-x']);
  });
});

// Issue 17, bug 8: standard input and hanging tools.
describe('runTool and render timeouts', () => {
  it('a tool gets no standard input: cat ends at once instead of waiting for input', async () => {
    const started = Date.now();
    const result = await runTool('/bin/cat', [], { cwd: tmp, env: {}, timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.timedOut).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a timeout kills the tool and what it started, even a child that keeps the output pipe open', async () => {
    const started = Date.now();
    const result = await runTool('/bin/sh', ['-c', 'sleep 60 & sleep 60'], { cwd: tmp, env: {}, timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a helm that never finishes is stopped and reported as render.timeout (Stalled), naming the chart', async () => {
    const fake = join(tmp, `slow-helm-${++repoCount}`);
    await writeFile(fake, '#!/bin/sh\nexec /bin/sleep 60\n');
    await chmod(fake, 0o755);
    const rendering = render(chart, { mode: 'helm', helm: { chart: 'chart', releaseName: 'r', valuesFiles: [] }, tools: { helm: fake, timeoutMs: 500 } });
    await expect(rendering).rejects.toMatchObject({ code: 'render.timeout', file: 'chart', message: expect.stringContaining('did not finish within 500ms') });
  });
});

// Issue 17, bug 10: remote resources, with a real HTTP server that counts requests.
describe('renderSource: kustomize does not touch the network', () => {
  let server: Server;
  let requests = 0;
  const address = '127.0.0.1';
  // A non-loopback address of this machine: Go's HTTP client never proxies loopback, so the
  // network denial (not only the reference check) is proven against this address.
  const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.end(cm('fetched-from-the-network'));
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = (host = address) => `http://${host}:${(server.address() as { port: number }).port}/cm.yaml`;

  it('a remote resource is refused with file and line; the server sees no request', async () => {
    const before = requests;
    const files = { 'app/kustomization.yaml': `resources:\n  - a.yaml\n  - ${url()}\n`, 'app/a.yaml': cm('a') };
    await expect(render(files, { path: 'app' })).rejects.toMatchObject({ code: 'render.remote-resource', file: 'app/kustomization.yaml', line: 3 });
    expect(requests).toBe(before);
  });

  it('a remote base hidden behind a local base is refused in its own file', async () => {
    const before = requests;
    const files = { 'app/kustomization.yaml': 'resources:\n  - ../base\n', 'base/kustomization.yaml': `resources:\n  - ${url()}\n` };
    await expect(render(files, { path: 'app' })).rejects.toMatchObject({ code: 'render.remote-resource', file: 'base/kustomization.yaml', line: 2 });
    expect(requests).toBe(before);
  });

  it('spec.kustomize.allowRemoteResources lets kustomize fetch it', async () => {
    const before = requests;
    const files = { 'app/kustomization.yaml': `resources:\n  - ${url()}\n` };
    const result = await render(files, { path: 'app', kustomize: { allowRemoteResources: true } });
    expect(summary(result.objects)).toEqual(['ConfigMap/fetched-from-the-network']);
    expect(requests).toBe(before + 1);
  });

  it.skipIf(!external)('the network is denied to kustomize itself: a fetch the reference check did not see goes nowhere', async () => {
    const dir = await mkdtemp(join(tmp, 'netdeny-'));
    await mkdir(join(dir, 'home'));
    await mkdir(join(dir, 'app'));
    await writeFile(join(dir, 'app/kustomization.yaml'), `resources:\n  - ${url(external)}\n`);
    const before = requests;
    const denied = await runTool(tools.kubectl, ['kustomize', '--', './app'], { cwd: dir, env: renderToolEnv(join(dir, 'home'), false) });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('proxyconnect');
    expect(requests).toBe(before);
    // The same run with only a clean HOME (the environment before issue 17) does reach the server.
    const open = await runTool(tools.kubectl, ['kustomize', '--', './app'], { cwd: dir, env: { HOME: join(dir, 'home') } });
    expect(open.code, open.stderr).toBe(0);
    expect(requests).toBe(before + 1);
  });
});

// Issue 17, the ../ risk: a base above the repository root would read another checkout on the host.
describe('renderSource: kustomizations stay inside the repository', () => {
  it('a base that climbs out of the repository is refused with the file; the other checkout is not read', async () => {
    // What a neighbour on the agent's host could hold: another Sync's checkout under the same tmp dir.
    const other = join(tmp, 'other-checkout', 'app');
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
    await writeFile(join(other, 'cm.yaml'), cm('another-tenants-config'));
    for (const escape of ['../../other-checkout/app', '../../../other-checkout/app', `${other}`]) {
      const files = { 'app/kustomization.yaml': `resources:\n  - ${escape}\n` };
      await expect(render(files, { path: 'app' }), escape).rejects.toMatchObject({ code: 'render.outside-repository', file: 'app/kustomization.yaml', line: 2 });
    }
  });

  it('the render directory is removed afterwards, and the tools never get the repository as HOME', async () => {
    const files = { 'app/kustomization.yaml': 'resources:\n  - a.yaml\n', 'app/a.yaml': cm('a') };
    await render(files, { path: 'app' });
    expect((await readdir(tmp)).filter((n) => n.startsWith('ferry-render-'))).toEqual([]);
    expect(renderToolEnv('/h', false)).toMatchObject({ HOME: '/h', PATH: '', GIT_ALLOW_PROTOCOL: 'file', NO_PROXY: '' });
  });
});
