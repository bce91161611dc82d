import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '@ferry/manifest-model';
import { startGitServer, type GitServer } from '@ferry/testenv';
import { openGitWorkspace } from './git-workspace.js';

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

async function nativeGit(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnv });
  return stdout;
}

describe('openGitWorkspace against git http-backend', () => {
  let server: GitServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startGitServer({ auth: { basic: [{ username: 'ci', password: 's3cret-pass' }] } });
    scratch = await mkdtemp(join(tmpdir(), 'ferry-gw-test-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const auth = { username: 'ci', password: 's3cret-pass' };

  it('reads files at the head, commits an edit without checkout, and pushes it', async () => {
    const { url } = await server.createRepo('acme/one', {
      seed: { 'envs/dev/app.yaml': 'image: web:1\n', 'envs/prod/app.yaml': 'image: web:0\n', 'README.md': 'hi\n' },
    });
    const ws = await openGitWorkspace({ url, auth, tmpDir: scratch });
    try {
      const before = server.requests.length;
      const defaultBranch = await ws.fetchDefaultBranch();
      expect(defaultBranch?.branch).toBe('main');
      // The fast path: two protocol v2 POSTs (ls-refs, fetch), no isomorphic-git fallback, and beside
      // the listing one GET of the v2 capabilities (does the server filter? http-backend by default: no).
      expect(server.requests.slice(before).map((r) => `${r.method} ${r.stage} v${r.protocolVersion}`).sort()).toEqual(['GET advertise v2', 'POST rpc v2', 'POST rpc v2']);
      const head = await ws.fetchBranch('main');
      expect(head).toBe(defaultBranch?.head);
      expect(head).toMatch(/^[0-9a-f]{40}$/);
      const files = await ws.readFiles(head!, ['envs/dev/app.yaml', 'missing.yaml']);
      expect(files.get('envs/dev/app.yaml')).toBe('image: web:1\n');
      expect(files.get('missing.yaml')).toBeNull();
      const commit = await ws.writeCommit({ parent: head!, files: [{ path: 'envs/dev/app.yaml', content: 'image: web:2\n' }, { path: 'envs/new/file.yaml', content: 'x: 1\n' }], message: 'promote\n\nFerry-App: web\n' });
      expect(await ws.pushBranch({ branch: 'main', commit, expected: head })).toBe('pushed');
      expect(await ws.resolveBranch('main')).toBe(commit);
    } finally {
      await ws.close();
    }
    const clone = join(scratch, 'verify-one');
    await run('git', ['clone', '-q', `http://ci:s3cret-pass@${new URL(url).host}${new URL(url).pathname}`, clone], { env: gitEnv });
    expect(await nativeGit(clone, 'show', 'HEAD:envs/dev/app.yaml')).toBe('image: web:2\n');
    expect(await nativeGit(clone, 'show', 'HEAD:envs/prod/app.yaml')).toBe('image: web:0\n');
    expect(await nativeGit(clone, 'show', 'HEAD:envs/new/file.yaml')).toBe('x: 1\n');
    expect(await nativeGit(clone, 'log', '--format=%(trailers:key=Ferry-App,valueonly)', '-1')).toContain('web');
    await nativeGit(clone, 'fsck', '--strict');
  });

  it('refuses to move a branch that moved since it was read (compare-and-swap)', async () => {
    const { url } = await server.createRepo('acme/cas', { seed: { 'a.yaml': 'v: 1\n' } });
    const first = await openGitWorkspace({ url, auth, tmpDir: scratch });
    const second = await openGitWorkspace({ url, auth, tmpDir: scratch });
    try {
      const base = (await first.fetchBranch('main'))!;
      expect(await second.fetchBranch('main')).toBe(base);
      const c1 = await first.writeCommit({ parent: base, files: [{ path: 'a.yaml', content: 'v: 2\n' }], message: 'one' });
      const c2 = await second.writeCommit({ parent: base, files: [{ path: 'a.yaml', content: 'v: 3\n' }], message: 'two' });
      expect(await first.pushBranch({ branch: 'main', commit: c1, expected: base })).toBe('pushed');
      // isomorphic-git alone would force this over c1 (it sends the id it discovers); the guard must not.
      expect(await second.pushBranch({ branch: 'main', commit: c2, expected: base })).toBe('rejected');
      expect(await second.resolveBranch('main')).toBe(c1);
      // Creating a branch that must not exist yet, twice: the second create is rejected.
      expect(await first.pushBranch({ branch: 'ferry/dev/web', commit: c1, expected: null })).toBe('pushed');
      expect(await second.pushBranch({ branch: 'ferry/dev/web', commit: c2, expected: null })).toBe('rejected');
      // Deleting is guarded the same way.
      expect(await second.deleteBranch({ branch: 'ferry/dev/web', expected: c2 })).toBe('rejected');
      expect(await first.deleteBranch({ branch: 'ferry/dev/web', expected: c1 })).toBe('deleted');
      expect(await first.resolveBranch('ferry/dev/web')).toBeNull();
      // Incremental fetch sees the new head and its content.
      const moved = await second.fetchBranch('main');
      expect(moved).toBe(c1);
      expect((await second.readFiles(moved!, ['a.yaml'])).get('a.yaml')).toBe('v: 2\n');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('reports a missing branch as null and bad credentials as git.auth without leaking them', async () => {
    const { url } = await server.createRepo('acme/auth', { seed: { 'a.yaml': 'v: 1\n' } });
    const ok = await openGitWorkspace({ url, auth, tmpDir: scratch });
    expect(await ok.fetchBranch('nope')).toBeNull();
    await ok.close();
    const withSecret = url.replace('http://', 'http://ci:wrong-password-123@');
    const bad = await openGitWorkspace({ url: withSecret, tmpDir: scratch });
    const err = await bad.fetchBranch('main').catch((e: unknown) => e);
    await bad.close();
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('git.auth');
    expect(String((err as FerryError).message)).not.toContain('wrong-password-123');
  });

  it('turns a 5xx and a cut connection into transient git.network errors', async () => {
    const { url } = await server.createRepo('acme/faults', { seed: { 'a.yaml': 'v: 1\n' } });
    const ws = await openGitWorkspace({ url, auth, tmpDir: scratch });
    try {
      // On the ref listing (rpc): the capability request beside it fails quietly (no partial fetch).
      server.faults.inject({ kind: 'status', status: 503, repo: 'acme/faults', stage: 'rpc', times: 1 });
      const err = await ws.fetchBranch('main').catch((e: unknown) => e);
      expect((err as FerryError).code).toBe('git.network');
      // Two cut answers in a row (the v2 listing, then isomorphic-git's fallback fetch).
      server.faults.inject({ kind: 'cut', afterBytes: 10, repo: 'acme/faults', service: 'upload-pack', stage: 'rpc', times: 2 });
      const cut = await ws.fetchBranch('main').catch((e: unknown) => e);
      expect((cut as FerryError).code).toBe('git.network');
      // And it recovers once the server behaves.
      expect(await ws.fetchBranch('main')).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      server.faults.clear();
      await ws.close();
    }
  });

  it('does not mistake a pack cut short for a complete fetch', async () => {
    const big = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f/${i}.yaml`, `n: ${i}\n${'x'.repeat(200)}${i}\n`]));
    const { url } = await server.createRepo('acme/cut-pack', { seed: big });
    const ws = await openGitWorkspace({ url, auth, tmpDir: scratch });
    try {
      // ls-refs answers are far below 2,000 bytes, so only the pack is cut.
      const fault = server.faults.inject({ kind: 'cut', afterBytes: 2000, repo: 'acme/cut-pack', service: 'upload-pack', times: 1 });
      const err = await ws.fetchBranch('main').catch((e: unknown) => e);
      expect(fault.hits).toBe(1);
      expect((err as FerryError).code).toBe('git.network');
      const head = await ws.fetchBranch('main');
      expect((await ws.readFiles(head!, ['f/7.yaml'])).get('f/7.yaml')).toMatch(/^n: 7\n/);
    } finally {
      server.faults.clear();
      await ws.close();
    }
  });

  // Partial clone: a server that filters (GitHub, GitLab, Gitea; http-backend with
  // uploadpack.allowFilter) sends the commit and its root tree, and the trees and blobs read come by
  // id; one that filters blobs but not trees sends every tree and no blob.
  it('fetches no blobs but those it reads from a server that filters, and commits and pushes the same', async () => {
    // Files of 1 KB that neither compress nor delta well, as real values files mostly do not either.
    const noise = (i: number) => Array.from({ length: 16 }, (_, k) => createHash('sha256').update(`${i}/${k}`).digest('hex')).join('\n');
    const seed = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`envs/app${i}/values.yaml`, `image: web:${i}\n# ${noise(i)}\n`]));
    const packBytes = async (): Promise<number> => {
      let total = 0;
      for (const dir of (await readdir(scratch)).filter((d) => d.startsWith('ferry-promote-'))) {
        const packs = join(scratch, dir, '.git/objects/pack');
        for (const f of await readdir(packs).catch(() => [])) if (f.endsWith('.pack')) total += (await stat(join(packs, f))).size;
      }
      return total;
    };
    const session = async (name: string, filter: 'none' | 'blob' | 'tree') => {
      const repo = await server.createRepo(name, { seed });
      if (filter !== 'none') await nativeGit(repo.path, 'config', 'uploadpack.allowFilter', 'true');
      if (filter === 'blob') await nativeGit(repo.path, 'config', 'uploadpackfilter.tree.allow', 'false');
      const ws = await openGitWorkspace({ url: repo.url, auth, tmpDir: scratch });
      try {
        const head = (await ws.fetchDefaultBranch())!.head;
        const afterFetch = server.requests.length;
        const files = await ws.readFiles(head, ['envs/app7/values.yaml', 'envs/app9/values.yaml', 'nope.yaml']);
        expect(files.get('envs/app7/values.yaml')).toBe(seed['envs/app7/values.yaml']);
        expect(files.get('envs/app9/values.yaml')).toBe(seed['envs/app9/values.yaml']);
        expect(files.get('nope.yaml')).toBeNull();
        const readRequests = server.requests.slice(afterFetch).map((r) => `${r.method} ${r.stage}`);
        const bytes = await packBytes();
        const commit = await ws.writeCommit({ parent: head, files: [{ path: 'envs/app7/values.yaml', content: 'image: web:700\n' }], message: 'promote' });
        expect(await ws.pushBranch({ branch: 'main', commit, expected: head })).toBe('pushed');
        return { repo, readRequests, bytes };
      } finally {
        await ws.close();
      }
    };
    const full = await session('acme/no-filter', 'none');
    const blobless = await session('acme/filter-blobs', 'blob');
    const treeless = await session('acme/filter', 'tree');
    // Without a filter every blob came with the first fetch; without blobs, the two read blobs came
    // in one request; without trees, one request per level: envs, then app7 and app9, then the blobs.
    expect(full.readRequests).toEqual([]);
    expect(blobless.readRequests).toEqual(['POST rpc']);
    expect(treeless.readRequests).toEqual(['POST rpc', 'POST rpc', 'POST rpc']);
    expect(blobless.bytes).toBeLessThan(full.bytes / 4);
    expect(treeless.bytes).toBeLessThan(blobless.bytes / 2);
    expect(full.bytes).toBeGreaterThan(200_000);
    for (const { repo } of [blobless, treeless]) {
      const clone = join(scratch, `verify-${repo.path.split('/').pop()}`);
      await run('git', ['clone', '-q', `http://ci:s3cret-pass@${new URL(repo.url).host}${new URL(repo.url).pathname}`, clone], { env: gitEnv });
      expect(await nativeGit(clone, 'show', 'HEAD:envs/app7/values.yaml')).toBe('image: web:700\n');
      expect(await nativeGit(clone, 'show', 'HEAD:envs/app8/values.yaml')).toBe(seed['envs/app8/values.yaml']);
      expect((await nativeGit(clone, 'ls-files')).trim().split('\n')).toHaveLength(400);
      await nativeGit(clone, 'fsck', '--strict');
    }
  });

  // `ferry promote` opens a workspace to read ferry.yaml (the forge), then another to promote.
  it('reuses the objects another workspace of the process fetched while the branch has not moved, never past a ref listing', async () => {
    const repo = await server.createRepo('acme/reuse', { seed: { 'ferry.yaml': 'apps: {}\n', 'envs/dev/a.yaml': 'v: 1\n' } });
    await nativeGit(repo.path, 'config', 'uploadpack.allowFilter', 'true');
    const session = async (credentials = auth) => {
      const ws = await openGitWorkspace({ url: repo.url, auth: credentials, tmpDir: scratch });
      const before = server.requests.length;
      try {
        const head = (await ws.fetchDefaultBranch())!.head;
        const text = (await ws.readFiles(head, ['ferry.yaml'])).get('ferry.yaml');
        // What isomorphic-git reads from the store is there too.
        expect(await ws.readCommitMessage(head)).toMatch(/\S/);
        return { head, text, requests: server.requests.slice(before).map((r) => `${r.method} ${r.stage}`) };
      } finally {
        await ws.close();
      }
    };
    const first = await session();
    expect(first.requests.sort()).toEqual(['GET advertise', 'POST rpc', 'POST rpc', 'POST rpc']);
    // The same head: the ref listing only (filter support and the objects are known).
    const second = await session();
    expect(second).toEqual({ head: first.head, text: 'apps: {}\n', requests: ['POST rpc'] });
    // Other (wrong) credentials get nothing from what the first two fetched.
    const wrong = await session({ username: 'ci', password: 'not-the-password' }).catch((e: unknown) => e);
    expect((wrong as FerryError).code).toBe('git.auth');
    // The branch moved: the new commit and root tree are fetched; ferry.yaml did not change, so its blob is known.
    const other = join(scratch, 'reuse-other');
    await run('git', ['clone', '-q', `http://ci:s3cret-pass@${new URL(repo.url).host}${new URL(repo.url).pathname}`, other], { env: gitEnv });
    await run('sh', ['-c', 'echo "v: 2" > envs/dev/a.yaml && git add -A && git -c user.name=o -c user.email=o@o commit -qm moved && git push -q origin HEAD:main'], { cwd: other, env: gitEnv });
    const third = await session();
    expect(third.head).not.toBe(first.head);
    expect(third.text).toBe('apps: {}\n');
    expect(third.requests).toEqual(['POST rpc', 'POST rpc']);
  });

  // Issue 14: what a promotion holds must not grow with the repository. From a server that
  // filters, the objects fetched are exactly the commit, the trees on the paths read and written,
  // and the blobs read, counted in the packs it stored (the answer of the real git http-backend).
  it('fetches exactly the trees on the paths it touches and the blobs it reads, also after a rejected push', async () => {
    const seed: Record<string, string> = { 'ferry.yaml': 'apps: {}\n', 'README.md': 'hi\n' };
    for (const env of ['dev', 'staging', 'prod']) {
      for (let app = 0; app < 60; app++) for (const f of ['deployment.yaml', 'values.yaml']) seed[`envs/${env}/app${app}/${f}`] = `image: app${app}:1 # ${env} ${f}\n`;
    }
    const repo = await server.createRepo('acme/treeless', { seed });
    await nativeGit(repo.path, 'config', 'uploadpack.allowFilter', 'true');
    const tmpDir = await mkdtemp(join(scratch, 'treeless-'));
    /** The ids of every object in the packs the workspace stored (from their .idx files). */
    const fetched = async (): Promise<string[]> => {
      const oids: string[] = [];
      for (const dir of await readdir(tmpDir)) {
        const packs = join(tmpDir, dir, '.git/objects/pack');
        for (const f of (await readdir(packs)).filter((n) => n.endsWith('.idx'))) {
          const idx = await readFile(join(packs, f));
          const count = idx.readUInt32BE(8 + 255 * 4);
          for (let i = 0; i < count; i++) oids.push(idx.subarray(8 + 1024 + i * 20, 8 + 1024 + (i + 1) * 20).toString('hex'));
        }
      }
      return [...new Set(oids)].sort();
    };
    const idsAt = async (rev: string, ...paths: string[]): Promise<string[]> =>
      Promise.all(paths.map(async (p) => (await nativeGit(repo.path, 'rev-parse', `${rev}${p}`)).trim()));
    const ws = await openGitWorkspace({ url: repo.url, auth, tmpDir });
    try {
      const head = (await ws.fetchDefaultBranch())!.head;
      expect(await fetched()).toEqual((await idsAt(head, '', '^{tree}')).sort());
      const before = server.requests.length;
      expect((await ws.readFiles(head, ['ferry.yaml'])).get('ferry.yaml')).toBe('apps: {}\n');
      const file = 'envs/dev/app7/deployment.yaml';
      expect((await ws.readFiles(head, [file, 'envs/dev/app7/missing.yaml', 'envs/nope/x.yaml'])).get(file)).toBe(seed[file]);
      // ferry.yaml: its blob, and the root's one subtree (envs) with it. The deep file: envs/dev,
      // envs/dev/app7, then its blob.
      expect(server.requests.slice(before).map((r) => `${r.method} ${r.service} ${r.stage}`)).toEqual(Array(4).fill('POST upload-pack rpc'));
      const touched = await idsAt(head, '', '^{tree}', ':ferry.yaml', ':envs', ':envs/dev', ':envs/dev/app7', `:${file}`);
      expect(await fetched()).toEqual([...touched].sort());

      // Someone else moves main (another file in another directory) before our push.
      const other = join(scratch, 'treeless-other');
      await run('git', ['clone', '-q', `http://ci:s3cret-pass@${new URL(repo.url).host}${new URL(repo.url).pathname}`, other], { env: gitEnv });
      await run('git', ['-c', 'user.name=o', '-c', 'user.email=o@o', 'commit', '-qm', 'other', '--allow-empty'], { cwd: other, env: gitEnv });
      await run('sh', ['-c', 'echo "image: other:2" > envs/prod/app3/values.yaml && git add -A && git -c user.name=o -c user.email=o@o commit -qm prod && git push -q origin HEAD:main'], { cwd: other, env: gitEnv });
      const ours = await ws.writeCommit({ parent: head, files: [{ path: file, content: 'image: app7:2\n' }], message: 'promote' });
      expect(await fetched()).toEqual([...touched].sort());
      expect(await ws.pushBranch({ branch: 'main', commit: ours, expected: head })).toBe('rejected');
      const moved = (await ws.fetchBranch('main'))!;
      expect(moved).not.toBe(head);
      expect((await ws.readFiles(moved, [file])).get(file)).toBe(seed[file]);
      const again = await ws.writeCommit({ parent: moved, files: [{ path: file, content: 'image: app7:2\n' }], message: 'promote' });
      expect(await ws.pushBranch({ branch: 'main', commit: again, expected: moved })).toBe('pushed');
      // The new commit and root tree; the trees on the path at the new commit are the old ones
      // (the other change was in envs/prod, so envs is new and envs/dev is not), and no new blob.
      const second = await idsAt(moved, '', '^{tree}', ':envs', ':envs/dev', ':envs/dev/app7', `:${file}`);
      expect(await fetched()).toEqual([...new Set([...touched, ...second])].sort());
    } finally {
      await ws.close();
    }
    const clone = join(scratch, 'verify-treeless');
    await run('git', ['clone', '-q', `http://ci:s3cret-pass@${new URL(repo.url).host}${new URL(repo.url).pathname}`, clone], { env: gitEnv });
    expect(await nativeGit(clone, 'show', `HEAD:envs/dev/app7/deployment.yaml`)).toBe('image: app7:2\n');
    expect(await nativeGit(clone, 'show', 'HEAD:envs/prod/app3/values.yaml')).toBe('image: other:2\n');
    expect((await nativeGit(clone, 'ls-files')).trim().split('\n')).toHaveLength(2 + 3 * 60 * 2);
    await nativeGit(clone, 'fsck', '--strict');
  });

  // The paths ferry.yaml names start in one of the root's directories: reading ferry.yaml brings
  // them along (a round trip fewer for the file read next), unless the root has more than 32.
  it('brings the root\'s subtrees with the ferry.yaml read, up to 32 of them', async () => {
    const deepReadRequests = async (name: string, dirs: number): Promise<number> => {
      const seed: Record<string, string> = { 'ferry.yaml': 'apps: {}\n' };
      for (let i = 0; i < dirs; i++) seed[`d${i}/x.yaml`] = `n: ${i}\n`;
      const repo = await server.createRepo(name, { seed });
      await nativeGit(repo.path, 'config', 'uploadpack.allowFilter', 'true');
      const ws = await openGitWorkspace({ url: repo.url, auth, tmpDir: scratch });
      try {
        const head = (await ws.fetchDefaultBranch())!.head;
        const beforeConfig = server.requests.length;
        expect((await ws.readFiles(head, ['ferry.yaml'])).get('ferry.yaml')).toBe('apps: {}\n');
        expect(server.requests.length - beforeConfig).toBe(1);
        const before = server.requests.length;
        expect((await ws.readFiles(head, ['d1/x.yaml'])).get('d1/x.yaml')).toBe('n: 1\n');
        return server.requests.length - before;
      } finally {
        await ws.close();
      }
    };
    // d1's tree came with ferry.yaml: only the blob is left to fetch.
    expect(await deepReadRequests('acme/few-dirs', 32)).toBe(1);
    // Too many to bring: d1's tree, then the blob.
    expect(await deepReadRequests('acme/many-dirs', 33)).toBe(2);
  });
});
