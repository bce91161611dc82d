import { FerryError } from '@ferry/manifest-model';
import {
  classifyGitError, createGitHttpClient, describeStatusLine, excerptResponseBody, fetchShallowV2, gitAuthHeaders, listRemoteRefs, readRawObject, redactUrl,
} from '@ferry/git-http';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse as parseLegacyUrl } from 'node:url';
import git, { Errors, type GitHttpRequest, type GitHttpResponse, type HttpClient } from 'isomorphic-git';
import type { GitCredentials, GitSource, RefFreshness, SourceFile } from '../ports.js';
import { hostOfUrl, type GitHost } from '../sync/git-credentials-policy.js';
import type { GitRef } from '../sync/sync-spec.js';
import { oldestAccepted, RefListingCache, type RefListing } from './ref-cache.js';
import { ReadWriteLocks } from './store-locks.js';
import { createGitReadFs } from './git-read-fs.js';
import { BlobCache } from './blob-cache.js';

// The port and its types live in ports.ts, URL redaction in @ferry/git-http; re-exported for the
// importers that still name this file.
export type { GitCredentials, GitSource, SourceFile } from '../ports.js';
export { redactUrl } from '@ferry/git-http';

export interface GitSourceOptions {
  /** Where bare repositories are cached, one per URL. */
  cacheDir: string;
  /** Refuse repositories whose transferred packs exceed this (isomorphic-git holds packs in memory). */
  maxRepoBytes?: number;
  /** Re-clone when this many packs pile up: isomorphic-git never repacks. */
  maxPacks?: number;
  /**
   * Longest wait for the git server to answer or send the next bytes of a response. Without it a
   * server that accepts the connection and then stalls holds the Sync (and a reconcile slot) forever.
   */
  idleTimeoutMs?: number;
  /**
   * How long a successful request with some credentials to a URL counts as proof that those
   * credentials may read it (and so the cached objects of that URL). Default 30 s: enough to span
   * one reconcile's ls-refs and fetch, short enough that revoked access is noticed at once. A
   * caller that passes a `RefFreshness` (the daemon: the Sync's interval) also accepts a proof as
   * old as the ref listing it accepts, so revoked access is noticed within that interval.
   */
  accessProofTtlMs?: number;
  now?: () => number;
}

const defaultMaxRepoBytes = 256 * 1024 * 1024;
/**
 * A first fetch's pack up to this size is indexed holding every object inflated (fetchShallowV2:
 * tens of MB at most); a larger one by isomorphic-git, which holds only the pack.
 */
const maxIndexedPackBytes = 8 * 1024 * 1024;
const defaultIdleTimeoutMs = 60_000;
const defaultAccessProofTtlMs = 30_000;
/** What one listing asks for: every branch and tag (and HEAD), so Syncs of any ref of a repository share it. */
const listedPrefixes = ['HEAD', 'refs/heads/', 'refs/tags/'];

export class IsomorphicGitSource implements GitSource {
  /**
   * isomorphic-git's parsed-object cache (its advice for speed), one per repository store: it keeps
   * every pack index it opened, by file name, and the pack itself once read. A store re-cloned
   * after `maxPacks` gets a new one; a single shared cache kept the deleted packs of every earlier
   * clone for the life of the process.
   */
  private readonly caches = new Map<string, object>();
  /** Blob contents by id (blob-cache.ts): a new revision inflates only the blobs it changed. */
  private readonly blobs = new BlobCache();
  private readonly maxRepoBytes: number;
  private readonly maxPacks: number;
  private readonly http: HttpClient;
  /**
   * When each (URL, credentials) pair last had a request answered successfully. Keyed by an HMAC
   * of the Authorization value under a key that lives only in this process, so the map holds no
   * credential and nothing on disk could be used to guess one.
   */
  private readonly proofs = new Map<string, number>();
  private readonly proofKey = randomBytes(32);
  private readonly accessProofTtlMs: number;
  private readonly now: () => number;
  /** Ref listings per (URL, credentials): one ls-refs per repository and interval, not one per Sync. */
  private readonly refs: RefListingCache;
  /**
   * One writer or many readers per repository store: a fetch never runs beside another fetch or a
   * read of the same store (isomorphic-git writes packs and their indexes in place). Syncs that
   * need the same commit wait for one download and then find it present.
   */
  private readonly stores = new ReadWriteLocks();

  constructor(private readonly options: GitSourceOptions) {
    this.maxRepoBytes = options.maxRepoBytes ?? defaultMaxRepoBytes;
    this.maxPacks = options.maxPacks ?? 50;
    this.http = createGitHttpClient({ idleTimeoutMs: options.idleTimeoutMs ?? defaultIdleTimeoutMs });
    this.accessProofTtlMs = options.accessProofTtlMs ?? defaultAccessProofTtlMs;
    this.now = options.now ?? Date.now;
    this.refs = new RefListingCache(() => this.now());
  }

  async resolveRemote(url: string, ref: GitRef, credentials?: GitCredentials, freshness?: RefFreshness): Promise<string> {
    const calledAt = this.now();
    // For a commit ref there is no ref to look up, but the listing is the access check: the commit
    // may sit in the shared cache, fetched by another Sync with other credentials.
    let listing = await this.listRefs(url, credentials, freshness);
    if (ref.commit) return ref.commit;
    const wanted = ref.branch !== undefined ? `refs/heads/${ref.branch}` : `refs/tags/${ref.tag}`;
    let found = listing.refs.get(wanted);
    // A branch or tag created since the shared listing: ask again before calling it missing.
    if (found === undefined && listing.startedAt < calledAt) {
      listing = await this.listRefs(url, credentials, { notBefore: calledAt });
      found = listing.refs.get(wanted);
    }
    if (found === undefined) {
      throw new FerryError('source.ref-not-found', `${redactUrl(url)} has no ${wanted}`, { hint: 'check spec.ref: the branch or tag must exist on the remote' });
    }
    return found;
  }

  async fetchCommit(url: string, ref: GitRef, commit: string, credentials?: GitCredentials, freshness?: RefFreshness): Promise<void> {
    const gitdir = this.gitdirOf(url);
    const present = await this.stores.read(gitdir, () => hasCommit(gitdir, commit, this.cacheOf(gitdir)));
    const downloaded = !present && await this.stores.write(gitdir, async () => {
      await this.prepare(url);
      // Another Sync may have fetched it while this one waited.
      if (await hasCommit(gitdir, commit, this.cacheOf(gitdir))) return false;
      await this.download(url, ref, commit, credentials, gitdir);
      return true;
    });
    // Present, perhaps fetched with someone else's credentials: hand it out only to proven access.
    if (!downloaded && !this.hasFreshProof(url, credentials, freshness)) await this.proveAccess(url, credentials, freshness);
  }

  private async download(url: string, ref: GitRef, commit: string, credentials: GitCredentials | undefined, gitdir: string): Promise<void> {
    const first = !(await hasAnyRef(gitdir));
    const remoteRef = ref.branch !== undefined ? `refs/heads/${ref.branch}` : ref.tag !== undefined ? `refs/tags/${ref.tag}` : undefined;
    const branch = ref.branch;
    // A branch's first fetch: one protocol v2 request, indexed with Node's zlib and SHA-1, and its
    // blobs handed to the blob cache (isomorphic-git's fetch took 3-4 times as long as git's for
    // 1,000 files, and the render then inflated every blob again). Servers without v2, tags,
    // commits and later fetches take isomorphic-git's way.
    const fetched = first && branch !== undefined && await this.authenticated(url, credentials, (http, headers) =>
      fetchShallowV2(capTransfer(http, this.maxRepoBytes, url), { url, headers, gitdir, ref: branch, maxIndexedPackBytes }));
    if (fetched && fetched !== 'unsupported') {
      for (const [oid, object] of fetched.objects) if (object.type === 'blob') this.blobs.set(oid, object.data);
    } else await this.authenticated(url, credentials, (http, headers) =>
      git.fetch({
        fs,
        http: capTransfer(http, this.maxRepoBytes, url),
        gitdir,
        remote: 'origin',
        ...(remoteRef ? { ref: remoteRef, remoteRef, singleBranch: true } : {}),
        // Depth only on the first fetch: an incremental fetch with a depth re-downloads the whole tree.
        ...(first && remoteRef ? { depth: 1 } : {}),
        tags: false,
        headers,
        cache: this.cacheOf(gitdir),
      }),
    );
    if (!(await hasCommit(gitdir, commit, this.cacheOf(gitdir)))) {
      // A branch or tag that moved between listing and fetching is retried soon (Transient), not
      // left until the next interval; a commit ref that no branch reaches needs a fix.
      if (!ref.commit) {
        // The listing that named the old head would name it again within the interval: drop it.
        this.refs.drop(this.proofKeyOf(url, credentials));
        throw new FerryError('source.ref-moved', `${redactUrl(url)}: ${remoteRef ?? 'the ref'} moved away from ${commit} while fetching`, { hint: 'retried shortly with the new head' });
      }
      throw new FerryError('source.commit-not-found', `${redactUrl(url)}: commit ${commit} was not found after fetching`, {
        hint: 'a commit ref must be reachable from a branch of the remote',
      });
    }
  }

  async readFiles(url: string, commit: string, path: string, accept: (path: string) => boolean = () => true): Promise<SourceFile[]> {
    return this.stores.read(this.gitdirOf(url), () => this.readTreeFiles(url, commit, path, accept));
  }

  private async readTreeFiles(url: string, commit: string, path: string, accept: (path: string) => boolean): Promise<SourceFile[]> {
    const gitdir = this.gitdirOf(url);
    // The same few file-system answers for every object of this read (git-read-fs.ts: 4 round trips per file otherwise).
    const readFs = createGitReadFs(gitdir);
    const files: SourceFile[] = [];
    const walk = async (treePath: string): Promise<void> => {
      const { tree } = await git.readTree({ fs: readFs, gitdir, oid: commit, ...(treePath ? { filepath: treePath } : {}), cache: this.cacheOf(gitdir) });
      for (const entry of tree) {
        const child = treePath ? `${treePath}/${entry.path}` : entry.path;
        if (entry.type === 'tree') await walk(child);
        else if (entry.type === 'blob' && accept(child)) {
          let content = this.blobs.get(entry.oid);
          if (!content) {
            content = Buffer.from((await git.readBlob({ fs: readFs, gitdir, oid: entry.oid, cache: this.cacheOf(gitdir) })).blob);
            this.blobs.set(entry.oid, content);
          }
          files.push({ path: child, content });
        }
      }
    };
    try {
      await walk(path);
    } catch (error) {
      if (error instanceof Errors.NotFoundError) {
        throw new FerryError('source.path-not-found', `path "${path}" does not exist at commit ${commit.slice(0, 12)}`, { hint: 'check spec.path', cause: error });
      }
      throw error;
    }
    return files;
  }

  /** The raw commit object of a fetched commit, for signature checks (call after `fetchCommit`). */
  async readCommit(url: string, commit: string): Promise<string> {
    return this.stores.read(this.gitdirOf(url), () => readCachedCommit(this.options.cacheDir, url, commit));
  }

  /**
   * The ref listing (one ls-refs of branches, tags and HEAD) these credentials got, shared with
   * every caller with the same URL and credentials while `freshness` accepts it. Throws source.auth
   * on a 401/403 and source.repo-not-found on a 404, which is how servers hide private repositories.
   */
  private listRefs(url: string, credentials: GitCredentials | undefined, freshness: RefFreshness | undefined): Promise<RefListing> {
    return this.refs.get(this.proofKeyOf(url, credentials), freshness, () =>
      this.authenticated(url, credentials, (http, headers) => listRemoteRefs({ http, url, headers, prefixes: listedPrefixes })));
  }

  /** A listing with these credentials (from the shared cache when fresh enough) proves access. */
  private async proveAccess(url: string, credentials: GitCredentials | undefined, freshness?: RefFreshness): Promise<void> {
    await this.listRefs(url, credentials, freshness);
  }

  /**
   * Identifies (URL, credentials) without holding them: an HMAC of the Authorization value and the
   * hosts the credentials may go to (a Secret restricted to other hosts must fail as before, not
   * read the answer of one allowed here).
   */
  private proofKeyOf(url: string, credentials: GitCredentials | undefined): string {
    const identity = createHmac('sha256', this.proofKey).update(`${gitAuthHeaders(credentials).authorization ?? ''}\n${credentials?.hosts?.join(',') ?? '*'}`).digest('hex');
    return `${url}\n${identity}`;
  }

  private hasFreshProof(url: string, credentials: GitCredentials | undefined, freshness?: RefFreshness): boolean {
    const at = this.proofs.get(this.proofKeyOf(url, credentials));
    if (at === undefined) return false;
    const now = this.now();
    if (freshness?.notBefore !== undefined && at < freshness.notBefore) return false;
    return now - at < this.accessProofTtlMs || (freshness?.maxAgeMs !== undefined && at >= oldestAccepted(now, freshness));
  }

  /**
   * Runs a remote operation with these credentials only, records a success as proof of access and
   * forgets any earlier proof on failure (a rotated or revoked credential loses access at once).
   */
  private async authenticated<T>(url: string, credentials: GitCredentials | undefined, run: (http: HttpClient, headers: Record<string, string>) => Promise<T>): Promise<T> {
    const key = this.proofKeyOf(url, credentials);
    try {
      const result = await this.guard(url, credentials, () => run(restrictHosts(this.http, credentials?.hosts), gitAuthHeaders(credentials)));
      const now = this.now();
      if (this.proofs.size > 1000) for (const [k, at] of this.proofs) if (now - at >= this.accessProofTtlMs) this.proofs.delete(k);
      this.proofs.set(key, now);
      return result;
    } catch (error) {
      this.proofs.delete(key);
      this.refs.drop(key);
      throw error;
    }
  }

  private cacheOf(gitdir: string): object {
    let cache = this.caches.get(gitdir);
    if (!cache) this.caches.set(gitdir, (cache = {}));
    return cache;
  }

  /** Pack files whose index the parsed-object caches hold, over every repository store (tests). */
  get cachedPackfiles(): number {
    let count = 0;
    for (const cache of this.caches.values()) {
      for (const key of Object.getOwnPropertySymbols(cache)) {
        const value = (cache as Record<symbol, unknown>)[key];
        if (key.description === 'PackfileCache' && value instanceof Map) count += value.size;
      }
    }
    return count;
  }

  private gitdirOf(url: string): string {
    return cachedRepositoryDir(this.options.cacheDir, url);
  }

  private async prepare(url: string): Promise<string> {
    const gitdir = this.gitdirOf(url);
    const packDir = join(gitdir, 'objects', 'pack');
    const packs = await readdir(packDir).catch(() => [] as string[]);
    if (packs.filter((p) => p.endsWith('.pack')).length > this.maxPacks) {
      await rm(gitdir, { recursive: true, force: true });
      this.caches.delete(gitdir);
    }
    if (!(await stat(join(gitdir, 'HEAD')).catch(() => undefined))) {
      await mkdir(dirname(gitdir), { recursive: true });
      await git.init({ fs, gitdir, bare: true });
      await git.addRemote({ fs, gitdir, remote: 'origin', url });
    }
    return gitdir;
  }

  /**
   * Translates isomorphic-git and network errors into FerryErrors without the credentials. What the
   * server said reaches the message only as a status line and a short, one-line, redacted excerpt:
   * the URL is the Sync author's choice, and the message ends up in the Sync's status.
   */
  private async guard<T>(url: string, credentials: GitCredentials | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateSourceError(url, credentials, error);
    }
  }
}

/**
 * Codes: source.auth, source.repo-not-found (both stall the Sync), source.not-git, source.unavailable
 * (retried). Exported for its tests.
 */
export function translateSourceError(url: string, credentials: GitCredentials | undefined, error: unknown): FerryError {
  const failure = classifyGitError(error);
  const where = redactUrl(url);
  const sent = credentials && gitAuthHeaders(credentials).authorization !== undefined;
  switch (failure.kind) {
    case 'ferry': {
      // @ferry/git-http's own codes (its protocol v2 fetch): a pack cut short or a server's ERR line
      // is worth a retry; an answer that is not upload-pack's is not a git server. Ours pass on.
      const { code, message } = failure.error;
      if (code === 'git.network' || code === 'git.failed') return new FerryError('source.unavailable', `${where}: ${excerptResponseBody(message)}`);
      if (code === 'git.unsupported') return new FerryError('source.not-git', `${where}: ${message}`, { hint: 'check spec.url: it must be the clone URL of a git repository' });
      return failure.error;
    }
    case 'http-status': {
      const { status } = failure;
      const line = describeStatusLine(status, failure.statusMessage);
      if (status === 401 || status === 403) {
        return new FerryError('source.auth', sent
          ? `${where}: the git server refused the credentials (${line}); nothing was read from the cache or applied`
          : `${where}: the git server requires credentials (${line}) and this Sync sends none; nothing was read from the cache or applied`, {
          hint: sent ? 'check the Secret named by spec.secretRef: its username+password or bearerToken must be able to read this repository' : 'set spec.secretRef to a Secret with credentials that may read this repository',
        });
      }
      if (status === 404) {
        return new FerryError('source.repo-not-found', `${where}: repository not found, or not readable with ${sent ? "this Sync's credentials" : 'no credentials'} (${line}); nothing was read from the cache or applied`, {
          hint: sent ? 'check spec.url and that the Secret named by spec.secretRef may read it' : 'check spec.url; a private repository needs spec.secretRef',
        });
      }
      const body = failure.response !== undefined ? excerptResponseBody(failure.response) : '';
      return new FerryError('source.unavailable', `${where}: the git server answered ${line}${body ? `: ${body}` : ''}`);
    }
    case 'not-smart-http': {
      const body = excerptResponseBody(failure.response);
      return new FerryError('source.not-git', `${where}: the server did not answer as a git smart-HTTP server${body ? `; it sent: ${body}` : ''}`, { hint: 'check spec.url: it must be the clone URL of a git repository' });
    }
    case 'stalled':
    case 'push-rejected':
    case 'not-found':
    case 'permanent':
    case 'transport': {
      // Node's bare "aborted" says nothing to a reader of the Sync's status.
      const said = failure.message === 'aborted' ? 'the git server closed the connection in the middle of a response' : excerptResponseBody(failure.message);
      return new FerryError('source.unavailable', `${where}: ${said}`);
    }
  }
}

/** Where the bare repository of `url` is cached under `cacheDir`: one per URL, shared by every Sync of it. */
function cachedRepositoryDir(cacheDir: string, url: string): string {
  return join(cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 20)}.git`);
}

/**
 * The raw commit object (headers, signature, message) of `commit` from the cache of `url`, for
 * signature checks. The cache is the one `IsomorphicGitSource` with the same `cacheDir` fills.
 */
async function readCachedCommit(cacheDir: string, url: string, commit: string): Promise<string> {
  const gitdir = cachedRepositoryDir(cacheDir, url);
  if (!(await stat(join(gitdir, 'HEAD')).catch(() => undefined))) {
    throw new FerryError('source.verify-cache', `the fetched repository ${redactUrl(url)} is not in the git cache ${cacheDir}`);
  }
  const raw = await readRawObject({ gitdir, oid: commit });
  if (raw.type !== 'commit') throw new FerryError('source.verify-object', `${commit} is a ${raw.type}, not a commit`);
  return raw.text;
}

/**
 * Refuses, before anything is sent, a request whose URL is not on one of `hosts`. The host is read
 * with both URL parsers (WHATWG, and node's legacy one the HTTP client connects with), so a URL
 * that the two read differently cannot carry credentials past the allowlist.
 */
function restrictHosts(inner: HttpClient, hosts: readonly GitHost[] | undefined): HttpClient {
  if (!hosts) return inner;
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const whatwg = hostOfUrl(request.url);
      const legacy = parseLegacyUrl(request.url);
      const legacyHost = legacy.hostname ? hostOfUrl(`${legacy.protocol ?? ''}//${legacy.hostname.includes(':') ? `[${legacy.hostname}]` : legacy.hostname}${legacy.port ? `:${legacy.port}` : ''}`) : undefined;
      if (!whatwg || whatwg !== legacyHost || !hosts.includes(whatwg)) {
        throw new FerryError('sync.secret-host-denied', `${redactUrl(request.url)}: the credentials may only be sent to ${hosts.join(', ')}; nothing was sent`, {
          hint: 'add the host to the Secret\'s ferry.dev/git-hosts annotation if this server may receive them',
        });
      }
      return inner.request(request);
    },
  };
}

/** Counts response bytes and aborts the transfer once it exceeds the cap. */
function capTransfer(inner: HttpClient, maxBytes: number, url: string): HttpClient {
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const response = await inner.request(request);
      const body = response.body;
      if (!body) return response;
      let seen = 0;
      async function* counted(): AsyncIterableIterator<Uint8Array> {
        for await (const chunk of body as AsyncIterableIterator<Uint8Array>) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            throw new FerryError('source.too-large', `${redactUrl(url)}: the fetch exceeds the repository size cap of ${Math.round(maxBytes / 1048576)} MiB`, {
              hint: 'raise --max-repo-size or point the Sync at a smaller repository',
            });
          }
          yield chunk;
        }
      }
      return { ...response, body: counted() };
    },
  };
}

async function hasCommit(gitdir: string, commit: string, cache: object): Promise<boolean> {
  try {
    await git.readCommit({ fs, gitdir, oid: commit, cache });
    return true;
  } catch {
    return false;
  }
}

async function hasAnyRef(gitdir: string): Promise<boolean> {
  const shallow = await stat(join(gitdir, 'shallow')).catch(() => undefined);
  if (shallow) return true;
  const packs = await readdir(join(gitdir, 'objects', 'pack')).catch(() => [] as string[]);
  return packs.length > 0;
}

/** Writes files into a directory (for kustomize and helm, which read from disk). */
export async function materializeFiles(dir: string, files: readonly SourceFile[]): Promise<void> {
  for (const file of files) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
}
