import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git, { type TreeEntry } from 'isomorphic-git';
import {
  classifyGitError, createGitHttpClient, emptyPack, excerptResponse, fetchObjectsV2, fetchShallowV2, gitAuthHeaders, readFileAtCommit,
  redactUrl, requireCompleteRefListing, resolveRemoteRef, sendReceivePack, uploadPackSupportsFilter, ZERO_OID,
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
   * Fetch without blobs when the server allows it (partial clone, `filter blob:none`): the commit
   * and its trees, then only the blobs read (ferry.yaml, the edited files), fetched by id. Costs
   * one capability request beside the ref listing. Default true.
   */
  partialFetch?: boolean | undefined;
  now?: () => Date;
}

const DEFAULT_AUTHOR = { name: 'ferry', email: 'ferry@users.noreply.github.com' };

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
  const now = options.now ?? (() => new Date());
  await git.init({ fs, dir, bare: false, defaultBranch: 'ferry-scratch' });
  await git.addRemote({ fs, dir, remote: 'origin', url });
  /** Branches fetched in this session (a later fetch of one is incremental, without depth). */
  const fetched = new Set<string>();
  /** Objects each commit we wrote added, so a push packs exactly those. */
  const written = new Map<string, string[]>();
  /** Asked once, on the first fetch, in parallel with its ref listing. */
  let filterSupport: Promise<boolean> | undefined;
  /** Set once a fetch left blobs out: a blob missing from the store is then fetched by id. */
  let partial = false;

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
    try {
      const { commit } = await git.readCommit({ fs, gitdir, oid, cache });
      await git.readTree({ fs, gitdir, oid: commit.tree, cache });
      return true;
    } catch {
      return false;
    }
  };

  const fetchShallow = async (ref: string): Promise<{ head: string | null; defaultBranch: string | null }> => {
    if (options.partialFetch !== false) filterSupport ??= uploadPackSupportsFilter(http, { url, headers });
    const fast = await edge(`fetch ${ref} from ${url}`, () => fetchShallowV2(http, { url, headers, gitdir, ref, filterBlobs: filterSupport }));
    if (fast === null) return { head: null, defaultBranch: null };
    if (fast !== 'unsupported' && fast.filtered) partial = true;
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

  /** The tree entry at `path` in `commit` (trees are always in the store, blobs maybe not). */
  const entryAt = async (commit: string, path: string): Promise<TreeEntry | undefined> => {
    const segments = normalizePath(path).split('/');
    const name = segments.pop();
    try {
      const { tree } = await git.readTree({ fs, gitdir, oid: commit, ...(segments.length ? { filepath: segments.join('/') } : {}), cache });
      return tree.find((entry) => entry.path === name);
    } catch (err) {
      if ((err as { code?: string }).code === 'NotFoundError') return undefined;
      throw err;
    }
  };

  /**
   * After a partial fetch: the blobs of `paths` at `commit` that the store lacks, fetched by id in
   * one request (a path that is no file, or whose blob is there, asks for nothing).
   */
  const fetchMissingBlobs = async (commit: string, paths: readonly string[]): Promise<void> => {
    if (!partial) return;
    const missing: string[] = [];
    for (const path of paths) {
      // A path that does not resolve is reported by the read that follows, as without a partial fetch.
      const entry = await entryAt(commit, path).catch(() => undefined);
      if (entry?.type !== 'blob') continue;
      try {
        await git.readObject({ fs, gitdir, oid: entry.oid, format: 'deflated', cache });
      } catch {
        missing.push(entry.oid);
      }
    }
    if (missing.length) await edge(`fetch ${missing.length} file(s) from ${url}`, () => fetchObjectsV2(http, { url, headers, gitdir, oids: missing }));
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
      // Later (after a rejected push, usually): fetch incrementally straight away; isomorphic-git's
      // own ref discovery tells whether anything is new. Never pass depth on an incremental fetch
      // (isomorphic-git would re-download the whole tree).
      return (await fetchVerified(branch, undefined)).head;
    },
    async readFiles(commit, paths) {
      const files = new Map<string, string | null>();
      await fetchMissingBlobs(commit, paths);
      for (const path of paths) {
        try {
          const blob = await readFileAtCommit({ gitdir, commit, path: normalizePath(path), cache });
          // A link's blob is the path it names: editing it would replace the link with a file.
          if (blob !== null && (await entryAt(commit, path))?.mode === '120000') {
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
      const { commit } = await git.readCommit({ fs, gitdir, oid: parent, cache });
      const objects: string[] = [];
      let tree = commit.tree;
      for (const file of files) {
        const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(file.content, 'utf8') });
        objects.push(blob);
        tree = await replaceInTree(gitdir, cache, tree, normalizePath(file.path).split('/'), blob, objects);
      }
      const when = now();
      const signature = { ...author, timestamp: Math.floor(when.getTime() / 1000), timezoneOffset: 0 };
      const oid = await git.writeCommit({ fs, gitdir, commit: { message, tree, parent: [parent], author: signature, committer: signature } });
      written.set(oid, [...new Set([...objects, oid])]);
      return oid;
    },
    async pushBranch({ branch, commit, expected }) {
      // A commit we wrote carries exactly its new objects; an existing one (undo) needs none.
      const objects = written.get(commit);
      const pack = objects ? (await git.packObjects({ fs, gitdir, oids: objects, cache })).packfile ?? null : null;
      return (await push(branch, { old: expected ?? ZERO_OID, new: commit }, pack ?? emptyPack())) ? 'pushed' : 'rejected';
    },
    async deleteBranch({ branch, expected }) {
      return (await push(branch, { old: expected, new: ZERO_OID }, null)) ? 'deleted' : 'rejected';
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function replaceInTree(gitdir: string, cache: object, treeOid: string | null, segments: string[], blob: string, objects: string[]): Promise<string> {
  const [name, ...rest] = segments;
  const entries: TreeEntry[] = treeOid ? (await git.readTree({ fs, gitdir, oid: treeOid, cache })).tree : [];
  const existing = entries.find((e) => e.path === name);
  let entry: TreeEntry;
  if (rest.length === 0) {
    // Keep an executable bit if the file had one.
    entry = { path: name!, mode: existing?.mode === '100755' ? '100755' : '100644', oid: blob, type: 'blob' };
  } else {
    const sub = await replaceInTree(gitdir, cache, existing?.type === 'tree' ? existing.oid : null, rest, blob, objects);
    entry = { path: name!, mode: '040000', oid: sub, type: 'tree' };
  }
  const next = entries.filter((e) => e.path !== name).concat(entry);
  const oid = await git.writeTree({ fs, gitdir, tree: next });
  objects.push(oid);
  return oid;
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
