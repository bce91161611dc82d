import { kubectlPath, startGitServer, type GitServer } from '@ferry/testenv';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitSource } from '../../ports.js';
import { commitTree } from '../../test/git-fixture.js';
import { IsomorphicGitSource } from '../git-source.js';
import { renderSource } from './render-source.js';

// Real git server and isomorphic-git; the source is wrapped only to count the files it reads (a
// file is read when `accept` takes it: git-source.ts asks before reading the blob).
let server: GitServer;
let tmp: string;
let real: IsomorphicGitSource;
let filesRead = 0;

beforeAll(async () => {
  server = await startGitServer();
  tmp = await mkdtemp(join(tmpdir(), 'ferry-render-cache-test-'));
  real = new IsomorphicGitSource({ cacheDir: join(tmp, 'git') });
});
afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

const counting = (): GitSource => Object.assign(Object.create(real) as GitSource, {
  readFiles: async (url: string, commit: string, path: string, accept?: (path: string) => boolean) => {
    const files = await real.readFiles(url, commit, path, accept);
    filesRead += files.length;
    return files;
  },
});

const configMap = (name: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: "${v}"\n`;
const files = (n: number, v: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`app/cm-${i}.yaml`, configMap(`cm-${i}`, v)]));

let repoCount = 0;
async function newRepo() {
  return server.createRepo(`acme/render-cache-${++repoCount}`);
}

async function render(url: string, commit: string, path = 'app') {
  await real.fetchCommit(url, { branch: 'main' }, commit);
  filesRead = 0;
  const result = await renderSource({ source: counting(), url, commit, path, mode: 'auto', tools: { kubectl: kubectlPath() }, tmpDir: tmp });
  return { result, filesRead };
}

describe('plain renders: each file read once, a commit rendered once', () => {
  it('reads each of 40 files once (detection lists names only), then renders the same commit again without reading', async () => {
    const repo = await newRepo();
    const commit = await commitTree(repo.path, files(40, '1'));
    const first = await render(repo.url, commit);
    expect(first.result.mode).toBe('plain');
    expect(first.result.objects).toHaveLength(40);
    expect(first.filesRead).toBe(40);

    const again = await render(repo.url, commit);
    expect(again.filesRead).toBe(0);
    expect(again.result).toEqual(first.result);
    // Shared between reconciles: frozen, so nothing can change what the next one gets.
    const object = again.result.objects[0]?.object as { metadata: { labels?: unknown } };
    expect(() => {
      object.metadata.labels = { x: 'y' };
    }).toThrow(TypeError);
  });

  it('a new commit, another path or another mode renders anew', async () => {
    const repo = await newRepo();
    const one = await commitTree(repo.path, { ...files(5, '1'), 'other/cm.yaml': configMap('other', '1') });
    expect((await render(repo.url, one)).filesRead).toBe(5);
    expect((await render(repo.url, one, 'other')).filesRead).toBe(1);
    const two = await commitTree(repo.path, { ...files(5, '2'), 'other/cm.yaml': configMap('other', '1') });
    const next = await render(repo.url, two);
    expect(next.filesRead).toBe(5);
    expect(next.result.objects.map((o) => (o.object as unknown as { data: { v: string } }).data.v)).toEqual(['2', '2', '2', '2', '2']);
  });

  it('a commit that changes one file parses that file alone: the others are the same objects as before', async () => {
    const repo = await newRepo();
    const one = await commitTree(repo.path, files(6, '1'));
    const before = (await render(repo.url, one)).result.objects;
    const two = await commitTree(repo.path, { ...files(6, '1'), 'app/cm-3.yaml': configMap('cm-3', '2') });
    const after = await render(repo.url, two);
    expect(after.filesRead).toBe(6);
    const same = after.result.objects.map((o, i) => o === before[i]);
    expect(same).toEqual([true, true, true, false, true, true]);
    expect((after.result.objects[3]?.object as unknown as { data: { v: string } }).data.v).toBe('2');
  });

  it('kustomize renders are not kept: they may read what is not in the commit', async () => {
    const repo = await newRepo();
    const commit = await commitTree(repo.path, { 'app/kustomization.yaml': 'resources:\n  - cm.yaml\n', 'app/cm.yaml': configMap('k', '1') });
    const first = await render(repo.url, commit);
    expect(first.result.mode).toBe('kustomize');
    const again = await render(repo.url, commit);
    expect(again.filesRead).toBeGreaterThan(0);
    expect(again.result.objects).toEqual(first.result.objects);
  });
});
