import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git, { type HttpClient, type TreeEntry } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
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
  /** Per-request timeout; a stalled server becomes a transient `git.network` error. Default 60 s. */
  requestTimeoutMs?: number | undefined;
  now?: () => Date;
}

const ZERO_OID = '0'.repeat(40);
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
  const http = withCompleteRefListing(withTimeout(nodeHttp, options.requestTimeoutMs ?? 60_000));
  const author = options.author ?? DEFAULT_AUTHOR;
  const now = options.now ?? (() => new Date());
  await git.init({ fs, dir, bare: false, defaultBranch: 'ferry-scratch' });
  await git.addRemote({ fs, dir, remote: 'origin', url });
  const fetched = new Set<string>();

  const hasCommit = async (oid: string): Promise<boolean> => {
    try {
      await git.readCommit({ fs, gitdir, oid, cache });
      return true;
    } catch {
      return false;
    }
  };

  const resolveBranch = (branch: string): Promise<string | null> => edge(`list refs of ${url}`, async () => {
    const refs = await git.listServerRefs({ http, url, headers: { ...headers }, prefix: `refs/heads/${branch}`, protocolVersion: 2 });
    return refs.find((r) => r.ref === `refs/heads/${branch}`)?.oid ?? null;
  });

  return {
    resolveDefaultBranch: () => edge(`list refs of ${url}`, async () => {
      const refs = await git.listServerRefs({ http, url, headers: { ...headers }, prefix: 'HEAD', symrefs: true, protocolVersion: 2 });
      const target = refs.find((r) => r.ref === 'HEAD')?.target;
      return target?.startsWith('refs/heads/') ? target.slice('refs/heads/'.length) : null;
    }),
    resolveBranch,
    async fetchBranch(branch) {
      const head = await resolveBranch(branch);
      if (head === null) return null;
      // Skip the fetch when the head is already here; never pass depth on an incremental fetch
      // (isomorphic-git would re-download the whole tree).
      if (await hasCommit(head)) return head;
      const first = fetched.size === 0;
      const result = await edge(`fetch ${branch} from ${url}`, () => git.fetch({
        fs, http, dir, cache, url, headers: { ...headers }, ref: branch, singleBranch: true, tags: false,
        ...(first ? { depth: 1 } : {}),
      }));
      fetched.add(branch);
      // The branch may have moved between the listing and the fetch: use what was fetched.
      return result.fetchHead ?? head;
    },
    async readFiles(commit, paths) {
      const files = new Map<string, string | null>();
      for (const path of paths) {
        try {
          const { blob } = await git.readBlob({ fs, gitdir, oid: commit, filepath: normalizePath(path), cache });
          files.set(path, Buffer.from(blob).toString('utf8'));
        } catch (err) {
          if ((err as { code?: string }).code !== 'NotFoundError') throw translateGitError(`read ${path}`, err);
          files.set(path, null);
        }
      }
      return files;
    },
    async writeCommit({ parent, files, message }) {
      const { commit } = await git.readCommit({ fs, gitdir, oid: parent, cache });
      let tree = commit.tree;
      for (const file of files) {
        const blob = await git.writeBlob({ fs, gitdir, blob: Buffer.from(file.content, 'utf8') });
        tree = await replaceInTree(gitdir, cache, tree, normalizePath(file.path).split('/'), blob);
      }
      const when = now();
      const signature = { ...author, timestamp: Math.floor(when.getTime() / 1000), timezoneOffset: 0 };
      return git.writeCommit({ fs, gitdir, commit: { message, tree, parent: [parent], author: signature, committer: signature } });
    },
    async pushBranch({ branch, commit, expected }) {
      const localRef = 'refs/heads/ferry-push';
      await git.writeRef({ fs, gitdir, ref: localRef, value: commit, force: true });
      try {
        await edge(`push ${branch} to ${url}`, () => git.push({
          fs, dir, cache, url, headers: { ...headers }, ref: localRef, remoteRef: `refs/heads/${branch}`, force: true,
          http: withExpectedOldOid(http, expected ?? ZERO_OID),
        }));
        return 'pushed';
      } catch (err) {
        if (err instanceof FerryError && err.code === 'git.push-rejected') return 'rejected';
        throw err;
      }
    },
    async deleteBranch({ branch, expected }) {
      // isomorphic-git resolves a local ref even for a delete; point one at the expected head.
      await git.writeRef({ fs, gitdir, ref: 'refs/heads/ferry-push', value: expected, force: true });
      try {
        await edge(`delete ${branch} on ${url}`, () => git.push({
          fs, dir, cache, url, headers: { ...headers }, ref: 'refs/heads/ferry-push', remoteRef: `refs/heads/${branch}`, delete: true, force: true,
          http: withExpectedOldOid(http, expected),
        }));
        return 'deleted';
      } catch (err) {
        if (err instanceof FerryError && err.code === 'git.push-rejected') return 'rejected';
        throw err;
      }
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function replaceInTree(gitdir: string, cache: object, treeOid: string | null, segments: string[], blob: string): Promise<string> {
  const [name, ...rest] = segments;
  const entries: TreeEntry[] = treeOid ? (await git.readTree({ fs, gitdir, oid: treeOid, cache })).tree : [];
  const existing = entries.find((e) => e.path === name);
  let entry: TreeEntry;
  if (rest.length === 0) {
    // Keep an executable bit if the file had one.
    entry = { path: name!, mode: existing?.mode === '100755' ? '100755' : '100644', oid: blob, type: 'blob' };
  } else {
    const sub = await replaceInTree(gitdir, cache, existing?.type === 'tree' ? existing.oid : null, rest, blob);
    entry = { path: name!, mode: '040000', oid: sub, type: 'tree' };
  }
  const next = entries.filter((e) => e.path !== name).concat(entry);
  return git.writeTree({ fs, gitdir, tree: next });
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
  const headers: Record<string, string> = { 'user-agent': 'ferry-promote' };
  if (credentials) headers['authorization'] = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  return { url: parsed.toString(), headers };
}

/**
 * isomorphic-git sends the old id it saw during its own ref discovery, which would let a push
 * overwrite a branch that moved since we read it. Rewriting the old id of the first command to
 * the one we based our commit on makes git receive-pack refuse the update atomically.
 */
function withExpectedOldOid(http: HttpClient, expected: string): HttpClient {
  return {
    async request(req) {
      if (req.method !== 'POST' || !req.url.endsWith('/git-receive-pack') || !req.body) return http.request(req);
      const chunks: Uint8Array[] = [];
      for await (const chunk of req.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      // First pkt-line: 4 hex length digits, then "<old-oid> <new-oid> <ref>\0<capabilities>".
      if (body.length < 4 + 81 || body.subarray(4 + 40, 4 + 41).toString() !== ' ') {
        throw new FerryError('git.internal', 'unexpected receive-pack request layout; cannot guard the push');
      }
      body.write(expected, 4, 40, 'latin1');
      return http.request({ ...req, body: [new Uint8Array(body)] as unknown as AsyncIterableIterator<Uint8Array> });
    },
  };
}

/**
 * isomorphic-git reads a truncated protocol v2 ls-refs answer as "no refs", which would turn a
 * cut connection into "branch not found". A complete answer ends with a flush packet; insist on it.
 */
function withCompleteRefListing(http: HttpClient): HttpClient {
  return {
    async request(req) {
      if (req.method !== 'POST' || !req.url.endsWith('/git-upload-pack') || !req.body) return http.request(req);
      const sent: Uint8Array[] = [];
      for await (const chunk of req.body as AsyncIterable<Uint8Array>) sent.push(chunk);
      const requestBody = Buffer.concat(sent);
      const res = await http.request({ ...req, body: [new Uint8Array(requestBody)] as unknown as AsyncIterableIterator<Uint8Array> });
      if (!requestBody.includes('command=ls-refs') || !res.body || res.statusCode !== 200) return res;
      const received: Uint8Array[] = [];
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) received.push(chunk);
      const answer = Buffer.concat(received);
      if (answer.length < 4 || answer.subarray(answer.length - 4).toString('latin1') !== '0000') {
        throw new FerryError('git.network', `incomplete ref listing from ${redactUrl(req.url)} (connection cut?)`);
      }
      return { ...res, body: [new Uint8Array(answer)] as unknown as AsyncIterableIterator<Uint8Array> };
    },
  };
}

function withTimeout(http: HttpClient, timeoutMs: number): HttpClient {
  return {
    async request(req) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        return await http.request({ ...req, signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted) throw new FerryError('git.network', `no answer from ${redactUrl(req.url)} within ${timeoutMs} ms`, { cause: err });
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs one remote operation, translating isomorphic-git errors to FerryError at the edge. */
async function edge<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw translateGitError(what, err);
  }
}

/** Codes: git.push-rejected (someone moved the ref), git.auth, git.not-found, git.network (transient), git.failed. */
export function translateGitError(what: string, err: unknown): FerryError {
  if (err instanceof FerryError) return err;
  const e = err as { code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string; response?: string; result?: unknown } };
  const detail = e.message?.split('\n').slice(0, 3).join(' ') ?? String(err);
  if (e.code === 'GitPushError' || e.code === 'PushRejectedError') {
    return new FerryError('git.push-rejected', `${what}: rejected by the server (${detail})`, { cause: err });
  }
  if (e.code === 'HttpError') {
    const status = e.data?.statusCode ?? 0;
    if (status === 401 || status === 403) return new FerryError('git.auth', `${what}: HTTP ${status}`, { cause: err, hint: 'check the token (GITHUB_TOKEN / FERRY_GITHUB_TOKEN) and that it may read and write the repository' });
    if (status === 404) return new FerryError('git.not-found', `${what}: HTTP 404`, { cause: err, hint: 'check --repo' });
    if (status === 429 || status >= 500) return new FerryError('git.network', `${what}: HTTP ${status}`, { cause: err });
    return new FerryError('git.failed', `${what}: HTTP ${status} ${e.data?.statusMessage ?? ''}`.trim(), { cause: err });
  }
  if (e.code === 'NotFoundError' && /could not find/i.test(detail)) {
    return new FerryError('git.not-found', `${what}: ${detail}`, { cause: err });
  }
  if (e.code && PERMANENT_CODES.has(e.code)) return new FerryError('git.failed', `${what}: ${detail}`, { cause: err });
  // Cut connections, resets and truncated packs surface under many names; all are worth a retry.
  return new FerryError('git.network', `${what}: ${detail}`, { cause: err });
}

/** isomorphic-git errors that a retry cannot fix. */
const PERMANENT_CODES = new Set(['NoRefspecError', 'InvalidRefNameError', 'InvalidFilepathError', 'MissingParameterError', 'UnknownTransportError', 'UrlParseError', 'RemoteCapabilityError']);

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(url)';
  }
}
