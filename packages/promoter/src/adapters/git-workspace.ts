import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git, { type TreeEntry } from 'isomorphic-git';
import {
  buildPack, classifyGitError, commitTree, createGitHttpClient, emptyPack, excerptResponse, fetchObjectsV2, fetchShallowV2, gitAuthHeaders,
  type PackObjects, parseTree, readFileAtCommit, redactUrl, requireCompleteRefListing, resolveRemoteRef, sendReceivePack, serializeCommit,
  serializeTree, uploadPackSupportsFilter, writeLooseObject, ZERO_OID,
} from '@ferry/git-http';
import { FerryError } from '@ferry/manifest-model';
import type { ConfigRepository } from '../ports.js';

export interface GitWorkspaceOptions {
  /** Smart-HTTP URL of the repository. Credentials inside it are moved to a header, never logged. */
  url: string;
  /** Basic credentials (a GitHub token goes as password with username `x-access-token`). */
  auth?: { username: string; password: string } | undefined;
  author?: { name: string; email: string } | undefined;
  /** Scratch parent directory (default: the OS temp dir). */
  tmpDir?: string | undefined;
  /**
   * Longest wait for the server to answer a request or send the next bytes of one; a stalled server
   * becomes a transient `git.network` error. Default 60 s.
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Fetch only what is read when the server allows it (partial clone): the commit and its root
   * tree (`filter tree:1`), then the trees on the paths read or written and the blobs read
   * (ferry.yaml, the edited files), fetched by id one directory level per request, so a promotion
   * costs the same in a repository of 30,000 files as in one of 30. A server that refuses tree
   * filters gets `filter blob:none` (every tree, no blob). Costs one capability request beside the
   * ref listing. Default true.
   */
  partialFetch?: boolean | undefined;
  now?: () => Date;
}

const DEFAULT_AUTHOR = { name: 'ferry', email: 'ferry@users.noreply.github.com' };
/** A root with more subtrees than this (a repository of many top-level directories) brings none along. */
const ROOT_SUBTREES_BROUGHT = 32;

/**
 * Objects of treeless fetches and of commits written, shared by the workspaces of one process that
 * use the same repository and credentials: `ferry promote` reads ferry.yaml once to learn the forge
 * and again to promote, and a later workspace finds the commit, its root tree and ferry.yaml here
 * (used only for an id a ref listing of its own just gave, so only while the branch has not moved).
 * An id names one content forever. Oldest first out past SHARED_LIMIT bytes.
 */
const SHARED_LIMIT = 8 * 1024 * 1024;
const shared = new Map<string, { type: string; data: Buffer }>();
let sharedBytes = 0;
/** Whether a repository's server filters, by the same key (asked once per process). */
const sharedFilterSupport = new Map<string, Promise<boolean>>();

function share(repoKey: string, oid: string, object: { type: string; data: Buffer }): void {
  const key = `${repoKey}\0${oid}`;
  if (shared.has(key)) return;
  shared.set(key, object);
  sharedBytes += object.data.length;
  for (const [old, { data }] of shared) {
    if (sharedBytes <= SHARED_LIMIT) break;
    shared.delete(old);
    sharedBytes -= data.length;
  }
}

/**
 * A ConfigRepository over isomorphic-git: a bare scratch repository fetched shallow and single
 * branch, files read as blobs at a commit (no checkout), commits written as trees, and pushes that
 * carry our own expected old id so the server's receive-pack does the compare-and-swap.
 */
export async function openGitWorkspace(options: GitWorkspaceOptions): Promise<ConfigRepository> {
  // isomorphic-git adds headers (Git-Protocol) to the object it is given: pass a copy each call.
  const { url, headers } = splitCredentials(options.url, options.auth);
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'ferry-promote-'));
  const gitdir = join(dir, '.git');
  const cache = {};
  const http = requireCompleteRefListing(createGitHttpClient({ idleTimeoutMs: options.requestTimeoutMs ?? 60_000 }));
  const author = options.author ?? DEFAULT_AUTHOR;
  // Credentials are part of the key (hashed): a workspace never reads what another's token fetched.
  const repoKey = `${url}\0${createHash('sha256').update(headers['authorization'] ?? '').digest('hex')}`;
  const sharedGet = (oid: string) => shared.get(`${repoKey}\0${oid}`);
  const now = options.now ?? (() => new Date());
  await git.init({ fs, dir, bare: false, defaultBranch: 'ferry-scratch' });
  await git.addRemote({ fs, dir, remote: 'origin', url });
  /** Branches fetched in this session (a later fetch of one is incremental, without depth). */
  const fetched = new Set<string>();
  /** Objects each commit we wrote added, so a push packs exactly those. */
  const written = new Map<string, string[]>();
  /** Asked once, on the first fetch, in parallel with its ref listing. */
  let filterSupport: Promise<boolean> | undefined;
  /**
   * What the fetches left out: `blobs` (filter blob:none) or `trees` (filter tree:1: blobs and all
   * trees but the root one). An object on a path read or written is then fetched by id.
   */
  let omitted: 'nothing' | 'blobs' | 'trees' = 'nothing';
  /** False once the server refused a tree filter: fall back to blob:none for the rest of the session. */
  let treeFilter = true;
  /**
   * Objects held inflated, by id: those a treeless fetch brought (the commit, the trees on the
   * paths, the blobs read: a few, whatever the repository's size) and those we wrote. Read from
   * here, not through isomorphic-git, and packed from here for a push.
   */
  const held = new Map<string, { type: string; data: Buffer }>();
  const hold = (objects: PackObjects): void => {
    if (omitted !== 'trees') return;
    for (const [oid, object] of objects) {
      held.set(oid, object);
      share(repoKey, oid, object);
    }
  };
  /** The commit and its root tree, when another workspace of this process brought them. */
  const knownCommit = (commit: string): PackObjects | undefined => {
    const object = sharedGet(commit);
    const tree = object?.type === 'commit' ? commitTree(object.data) : undefined;
    const root = tree ? sharedGet(tree) : undefined;
    return object && tree && root?.type === 'tree' ? new Map([[commit, object], [tree, root]]) : undefined;
  };

  /**
   * A fetch whose ref moved between the ref advertisement and the pack request gets no pack (the
   * server refuses a want that is no longer a tip) while isomorphic-git still reports the old id.
   * Check the commit and its tree arrived, and fetch again if not.
   */
  const fetchVerified = async (ref: string, depth: number | undefined): Promise<{ head: string | null; defaultBranch: string | null }> => {
    for (let round = 1; ; round++) {
      const result = await edge(`fetch ${ref} from ${url}`, () => git.fetch({
        fs, http, dir, cache, url, headers: { ...headers }, ref, singleBranch: true, tags: false, ...(depth ? { depth } : {}),
      }));
      const head = result.fetchHead ?? null;
      const defaultBranch = result.defaultBranch?.replace(/^refs\/heads\//, '') ?? null;
      if (head === null || (await hasTree(head))) return { head, defaultBranch };
      if (round >= 5) throw new FerryError('git.network', `fetch ${ref} from ${url}: the branch kept moving while it was fetched`);
    }
  };

  const hasTree = async (oid: string): Promise<boolean> => {
    const commit = held.get(oid);
    if (commit?.type === 'commit' && held.get(commitTree(commit.data))?.type === 'tree') return true;
    try {
      const { commit } = await git.readCommit({ fs, gitdir, oid, cache });
      await git.readTree({ fs, gitdir, oid: commit.tree, cache });
      return true;
    } catch {
      return false;
    }
  };

  const fetchShallow = async (ref: string): Promise<{ head: string | null; defaultBranch: string | null }> => {
    if (options.partialFetch !== false && !filterSupport) {
      filterSupport = sharedFilterSupport.get(repoKey);
      if (!filterSupport) {
        const asked = uploadPackSupportsFilter(http, { url, headers });
        sharedFilterSupport.set(repoKey, asked);
        // A failed question answers false: ask again next time rather than remember it.
        void asked.then((yes) => {
          if (!yes) sharedFilterSupport.delete(repoKey);
        });
        filterSupport = asked;
      }
    }
    const shallow = (treeless: boolean) => edge(`fetch ${ref} from ${url}`, () => fetchShallowV2(http, { url, headers, gitdir, ref, filterBlobs: filterSupport, treeless, known: knownCommit }));
    let fast;
    try {
      fast = await shallow(treeFilter);
    } catch (err) {
      // A server may allow blob filters but not tree ones (uploadpackfilter.tree.allow=false): it
      // answers the request with an error. Ask again without.
      if (!(treeFilter && err instanceof FerryError && err.code === 'git.failed' && /filter/i.test(err.message))) throw err;
      treeFilter = false;
      fast = await shallow(false);
    }
    if (fast === null) return { head: null, defaultBranch: null };
    if (fast !== 'unsupported' && fast.filtered && omitted !== 'trees') omitted = fast.treeless ? 'trees' : 'blobs';
    if (fast !== 'unsupported') hold(fast.objects);
    if (fast !== 'unsupported' && (await hasTree(fast.head))) return { head: fast.head, defaultBranch: fast.branch };
    try {
      return await fetchVerified(ref, 1);
    } catch (err) {
      if (err instanceof FerryError && err.code === 'git.not-found' && /could not find/i.test(err.message) && !/HTTP 404/.test(err.message)) return { head: null, defaultBranch: null };
      throw err;
    }
  };

  const push = async (branch: string, update: { old: string; new: string }, pack: Uint8Array | null): Promise<boolean> => {
    const result = await edge(`push ${branch} to ${url}`, () => sendReceivePack(http, { url, headers, update: { ...update, ref: `refs/heads/${branch}` }, pack }));
    return result.ok;
  };


  const resolveBranch = (branch: string): Promise<string | null> =>
    edge(`list refs of ${url}`, () => resolveRemoteRef({ http, url, headers, ref: `refs/heads/${branch}` }));

  /**
   * Trees read, by id (an id names one content forever). A promotion reads the trees on its paths
   * several times (fetch, read, link check, write); a directory of thousands of entries was
   * inflated and parsed each time, which cost more CPU and memory than the rest of the edit.
   */
  const trees = new Map<string, TreeEntry[]>();
  const readTreeOf = async (oid: string): Promise<TreeEntry[]> => {
    let entries = trees.get(oid);
    if (!entries) {
      const object = held.get(oid);
      entries = object?.type === 'tree' ? parseTree(object.data) : (await git.readTree({ fs, gitdir, oid, cache })).tree;
      trees.set(oid, entries);
    }
    return entries;
  };

  const rootTree = async (commit: string): Promise<string> => {
    const object = held.get(commit);
    return object?.type === 'commit' ? commitTree(object.data) : (await git.readCommit({ fs, gitdir, oid: commit, cache })).commit.tree;
  };

  const readBlobBytes = async (oid: string): Promise<Uint8Array> => {
    const object = held.get(oid);
    return object?.type === 'blob' ? object.data : (await git.readBlob({ fs, gitdir, oid, cache })).blob;
  };

  /** Writes an object as a loose one and holds it for the push. */
  const writeObject = async (type: string, data: Buffer): Promise<string> => {
    const oid = await writeLooseObject(gitdir, type, data);
    held.set(oid, { type, data });
    share(repoKey, oid, { type, data });
    return oid;
  };

  /**
   * The tree entry at `path` in `commit`: undefined when there is no such path, `through-file` when
   * a directory on the path is something else (a file, a submodule). An object missing from the
   * store throws (it is not "no such file").
   */
  const entryAt = async (commit: string, path: string): Promise<TreeEntry | undefined | 'through-file'> => {
    const segments = normalizePath(path).split('/');
    let entries = await readTreeOf(await rootTree(commit));
    for (let i = 0; ; i++) {
      const entry = entries.find((e) => e.path === segments[i]);
      if (entry === undefined || i === segments.length - 1) return entry;
      if (entry.type !== 'tree') return 'through-file';
      entries = await readTreeOf(entry.oid);
    }
  };

  /** The entries of tree `oid`, or null when the store lacks it (a partial fetch left it out). */
  const treeIfPresent = async (oid: string): Promise<TreeEntry[] | null> => {
    try {
      return await readTreeOf(oid);
    } catch (err) {
      if ((err as { code?: string }).code === 'NotFoundError') return null;
      throw err;
    }
  };

  const hasObject = async (oid: string): Promise<boolean> => {
    if (held.has(oid)) return true;
    try {
      await git.readObject({ fs, gitdir, oid, format: 'deflated', cache });
      return true;
    } catch {
      return false;
    }
  };

  /**
   * The root's subtrees this workspace lacks, when there are at most ROOT_SUBTREES_BROUGHT: they ride
   * along with the first request of a walk. The first walk reads ferry.yaml, a file at the root, and
   * every path it names starts in one of them, so the walk to those files starts a level down: a
   * round trip fewer per promotion, for a few small trees.
   */
  const rootSubtreesToBring = async (root: string): Promise<string[]> => {
    if (omitted !== 'trees') return [];
    const subtrees = ((await treeIfPresent(root)) ?? []).filter((e) => e.type === 'tree' && !held.has(e.oid)).map((e) => e.oid);
    return subtrees.length <= ROOT_SUBTREES_BROUGHT ? subtrees : [];
  };

  /**
   * After a partial fetch: the trees on `paths` at `commit` and (with `blobs`) the blobs at their
   * ends that the store lacks, fetched by id, exactly those objects (the first request also brings
   * the root's subtrees: rootSubtreesToBring), one request per directory level (the paths walk
   * down together; a blob found on one level comes with the next level's trees). A path that does
   * not resolve asks for nothing: the read that follows reports it.
   */
  const ensurePaths = async (commit: string, paths: readonly string[], blobs: boolean): Promise<void> => {
    if (omitted === 'nothing') return;
    const root = await rootTree(commit);
    let frontier: { tree: string; rest: string[] }[] = [];
    for (const path of paths) {
      try {
        frontier.push({ tree: root, rest: normalizePath(path).split('/') });
      } catch {
        // An invalid path is reported by the read or write that follows.
      }
    }
    let wantedBlobs = new Set<string>();
    let extras = await rootSubtreesToBring(root);
    const fetchExact = async (oids: string[]): Promise<void> => {
      const fetch: string[] = [];
      for (const oid of oids) {
        const known = sharedGet(oid);
        if (known) await writeObject(known.type, known.data);
        else fetch.push(oid);
      }
      // The root's subtrees ride along with a request made anyway, never on one of their own.
      if (fetch.length) fetch.push(...extras.filter((oid) => !fetch.includes(oid) && !sharedGet(oid)));
      extras = [];
      if (fetch.length) hold(await edge(`fetch ${fetch.length} object(s) from ${url}`, () => fetchObjectsV2(http, { url, headers, gitdir, oids: fetch, exact: omitted === 'trees' })));
    };
    while (frontier.length) {
      const next: typeof frontier = [];
      const missing = new Set<string>();
      for (const item of frontier) {
        const entries = await treeIfPresent(item.tree);
        if (entries === null) {
          missing.add(item.tree);
          next.push(item);
          continue;
        }
        const [name, ...rest] = item.rest;
        const entry = entries.find((e) => e.path === name);
        if (!entry) continue;
        if (rest.length === 0) {
          if (blobs && entry.type === 'blob' && !(await hasObject(entry.oid))) wantedBlobs.add(entry.oid);
        } else if (entry.type === 'tree') {
          next.push({ tree: entry.oid, rest });
        }
      }
      if (missing.size) {
        await fetchExact([...missing, ...wantedBlobs]);
        wantedBlobs = new Set();
        // A tree the server did not send would be asked for forever.
        for (const oid of missing) {
          if ((await treeIfPresent(oid)) === null) throw new FerryError('git.network', `fetch from ${url}: tree ${oid.slice(0, 12)} missing from the answer`);
        }
      }
      // Items whose tree was missing are read again, now present; the rest moved one level down.
      frontier = dedupe(next);
    }
    if (wantedBlobs.size) await fetchExact([...wantedBlobs]);
  };

  return {
    async fetchDefaultBranch() {
      // One fetch of HEAD gives both the default branch (from the advertised symref) and its tree.
      const { head, defaultBranch } = await fetchShallow('HEAD');
      if (head === null || defaultBranch === null) return null;
      fetched.add(defaultBranch);
      await git.writeRef({ fs, gitdir, ref: `refs/remotes/origin/${defaultBranch}`, value: head, force: true });
      return { branch: defaultBranch, head };
    },
    resolveBranch,
    async fetchBranch(branch) {
      // First time: fetch it shallow straight away (no separate listing round trip).
      if (!fetched.has(branch)) {
        const { head } = await fetchShallow(branch);
        if (head !== null) fetched.add(branch);
        return head;
      }
      // Later (after a rejected push, usually). From a server that filters: the new head and its
      // root tree again, as the first time (the trees read after come by id, as they did).
      if (omitted === 'trees') return (await fetchShallow(branch)).head;
      // Otherwise fetch incrementally straight away; isomorphic-git's own ref discovery tells
      // whether anything is new. Never pass depth on an incremental fetch (isomorphic-git would
      // re-download the whole tree).
      return (await fetchVerified(branch, undefined)).head;
    },
    async readFiles(commit, paths) {
      const files = new Map<string, string | null>();
      await ensurePaths(commit, paths, true);
      for (const path of paths) {
        try {
          const entry = await entryAt(commit, path);
          // A directory, or a path through a file: isomorphic-git's own walk says what is wrong.
          const blob = entry === undefined ? null
            : entry !== 'through-file' && entry.type === 'blob' ? await readBlobBytes(entry.oid)
              : await readFileAtCommit({ gitdir, commit, path: normalizePath(path), cache });
          // A link's blob is the path it names: editing it would replace the link with a file.
          if (blob !== null && entry !== 'through-file' && entry?.mode === '120000') {
            throw new FerryError('input.symlink', `${path} is a symbolic link in the repository; Ferry edits regular files only`, {
              file: path, hint: 'point ferry.yaml (or --file) at the file the link names',
            });
          }
          files.set(path, blob === null ? null : Buffer.from(blob).toString('utf8'));
        } catch (err) {
          const failure = classifyGitError(err);
          if (failure.kind === 'not-found') throw new FerryError('git.network', `read ${path}: object ${failure.what ?? '?'} missing from the fetched pack`, { cause: err });
          throw translateGitError(`read ${path}`, err);
        }
      }
      return files;
    },
    async readCommitMessage(commit) {
      try {
        return (await git.readCommit({ fs, gitdir, oid: commit, cache })).commit.message;
      } catch (err) {
        throw translateGitError(`read commit ${commit.slice(0, 12)}`, err);
      }
    },
    async readHistory(branch, commit, depth) {
      // The branch was fetched one commit deep: deepen it (this downloads the trees of those
      // commits too, so only `order: build-time` asks, and only as deep as it needs).
      await fetchVerified(branch, depth);
      try {
        const entries = await git.log({ fs, gitdir, ref: commit, depth, cache });
        return entries.map((e) => ({ oid: e.oid, message: e.commit.message }));
      } catch (err) {
        if (classifyGitError(err).kind === 'not-found') return [];
        throw translateGitError(`read the history of ${branch}`, err);
      }
    },
    async writeCommit({ parent, files, message }) {
      // The trees the new one replaces (the files' blobs are not needed: they are replaced whole).
      await ensurePaths(parent, files.map((f) => f.path), false);
      const objects: string[] = [];
      let tree = await rootTree(parent);
      for (const file of files) {
        const blob = await writeObject('blob', Buffer.from(file.content, 'utf8'));
        objects.push(blob);
        tree = await replaceInTree(readTreeOf, writeObject, tree, normalizePath(file.path).split('/'), blob, objects);
      }
      const when = now();
      const signature = { ...author, timestamp: Math.floor(when.getTime() / 1000), timezoneOffset: 0 };
      const oid = await writeObject('commit', serializeCommit({ message, tree, parent: [parent], author: signature, committer: signature }));
      written.set(oid, [...new Set([...objects, oid])]);
      return oid;
    },
    async pushBranch({ branch, commit, expected }) {
      // A commit we wrote carries exactly its new objects; an existing one (undo) needs none.
      const objects = written.get(commit);
      const pack = objects ? buildPack(objects.map((oid) => held.get(oid)!)) : emptyPack();
      return (await push(branch, { old: expected ?? ZERO_OID, new: commit }, pack)) ? 'pushed' : 'rejected';
    },
    async deleteBranch({ branch, expected }) {
      return (await push(branch, { old: expected, new: ZERO_OID }, null)) ? 'deleted' : 'rejected';
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function replaceInTree(
  readTree: (oid: string) => Promise<TreeEntry[]>, write: (type: string, data: Buffer) => Promise<string>,
  treeOid: string | null, segments: string[], blob: string, objects: string[],
): Promise<string> {
  const [name, ...rest] = segments;
  const entries: TreeEntry[] = treeOid ? await readTree(treeOid) : [];
  const existing = entries.find((e) => e.path === name);
  let entry: TreeEntry;
  if (rest.length === 0) {
    // Keep an executable bit if the file had one.
    entry = { path: name!, mode: existing?.mode === '100755' ? '100755' : '100644', oid: blob, type: 'blob' };
  } else {
    const sub = await replaceInTree(readTree, write, existing?.type === 'tree' ? existing.oid : null, rest, blob, objects);
    entry = { path: name!, mode: '040000', oid: sub, type: 'tree' };
  }
  const next = entries.filter((e) => e.path !== name).concat(entry);
  const oid = await write('tree', serializeTree(next));
  objects.push(oid);
  return oid;
}

/** One walk per (tree, remaining path): two paths through the same directory share its reads. */
function dedupe(items: { tree: string; rest: string[] }[]): { tree: string; rest: string[] }[] {
  const seen = new Map<string, { tree: string; rest: string[] }>();
  for (const item of items) seen.set(`${item.tree}:${item.rest.join('/')}`, item);
  return [...seen.values()];
}

function normalizePath(path: string): string {
  const clean = path.replace(/^\.?\/+/, '');
  if (clean === '' || clean.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new FerryError('input.invalid-path', `"${path}" is not a path inside the repository`, { hint: 'use a relative path like envs/prod/values.yaml' });
  }
  return clean;
}

/** Moves `user:pass@` out of the URL into an Authorization header sent up front (no 401 round trip). */
function splitCredentials(rawUrl: string, auth: GitWorkspaceOptions['auth']): { url: string; headers: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(rawUrl);
  } catch {
    throw new FerryError('input.invalid-url', `"${rawUrl}" is not a valid git URL`, { hint: 'use https://host/owner/name.git' });
  }
  let credentials = auth;
  if (parsed.username || parsed.password) {
    credentials ??= { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
    parsed.username = '';
    parsed.password = '';
  }
  return { url: parsed.toString(), headers: { 'user-agent': 'ferry-promote', ...gitAuthHeaders(credentials) } };
}

/** Runs one remote operation, translating isomorphic-git errors to FerryError at the edge. */
async function edge<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw translateGitError(what, err);
  }
}

/**
 * Codes: git.push-rejected (someone moved the ref), git.auth, git.not-found, git.network
 * (transient), git.failed. What a server said reaches the message only as a short excerpt.
 */
export function translateGitError(what: string, err: unknown): FerryError {
  const failure = classifyGitError(err);
  const cause = { cause: err };
  switch (failure.kind) {
    case 'ferry':
      return failure.error;
    case 'stalled':
      return new FerryError('git.network', `no answer from ${redactUrl(failure.url)} within ${failure.idleMs} ms`, cause);
    case 'push-rejected':
      return new FerryError('git.push-rejected', `${what}: rejected by the server (${excerptResponse(failure.message)})`, cause);
    case 'http-status': {
      const status = failure.status;
      if (status === 401 || status === 403) return new FerryError('git.auth', `${what}: HTTP ${status}`, { ...cause, hint: 'check the token (GITHUB_TOKEN / FERRY_GITHUB_TOKEN) and that it may read and write the repository' });
      if (status === 404) return new FerryError('git.not-found', `${what}: HTTP 404`, { ...cause, hint: 'check --repo' });
      if (status === 429 || status >= 500) return new FerryError('git.network', `${what}: HTTP ${status}`, cause);
      return new FerryError('git.failed', `${what}: HTTP ${status} ${excerptResponse(failure.statusMessage ?? '', 80)}`.trim(), cause);
    }
    case 'not-smart-http':
      // An HTML answer instead of smart HTTP (a login proxy, say) is not echoed.
      return new FerryError('git.network', `${what}: the server did not answer with the git smart HTTP protocol (it sent: ${excerptResponse(failure.preview)})`, cause);
    case 'not-found':
      return new FerryError(/could not find/i.test(failure.message) ? 'git.not-found' : 'git.network', `${what}: ${excerptResponse(failure.message)}`, cause);
    case 'permanent':
      return new FerryError('git.failed', `${what}: ${excerptResponse(failure.message)}`, cause);
    case 'transport':
      return new FerryError('git.network', `${what}: ${excerptResponse(failure.message)}`, cause);
  }
}
