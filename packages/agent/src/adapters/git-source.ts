import { FerryError } from '@ferry/manifest-model';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import git, { Errors, type GitHttpRequest, type GitHttpResponse, type HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import type { GitRef } from '../sync/sync-spec.js';

/** Credentials for the git server, from the Sync's Secret. Never logged: they only become a header. */
export interface GitCredentials {
  username?: string;
  password?: string;
  bearerToken?: string;
}

export interface SourceFile {
  /** Repository-relative path. */
  path: string;
  content: Buffer;
}

/** The source port the reconcile steps use. */
export interface GitSource {
  /** Asks the remote which commit `ref` names (protocol v2 ls-refs): one small request. */
  resolveRemote(url: string, ref: GitRef, credentials?: GitCredentials): Promise<string>;
  /** Makes sure `commit` is in the local object store, fetching only what is missing. */
  fetchCommit(url: string, ref: GitRef, commit: string, credentials?: GitCredentials): Promise<void>;
  /** Files under `path` at `commit`, read straight from the object store (no work tree). */
  readFiles(url: string, commit: string, path: string, accept?: (path: string) => boolean): Promise<SourceFile[]>;
}

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
}

const defaultMaxRepoBytes = 256 * 1024 * 1024;
const defaultIdleTimeoutMs = 60_000;

export class IsomorphicGitSource implements GitSource {
  /** One parsed-object cache shared by every read of a run (isomorphic-git's advice for speed). */
  private readonly cache: object = {};
  private readonly maxRepoBytes: number;
  private readonly maxPacks: number;
  private readonly http: HttpClient;

  constructor(private readonly options: GitSourceOptions) {
    this.maxRepoBytes = options.maxRepoBytes ?? defaultMaxRepoBytes;
    this.maxPacks = options.maxPacks ?? 50;
    this.http = limitIdleTime(nodeHttp, options.idleTimeoutMs ?? defaultIdleTimeoutMs);
  }

  async resolveRemote(url: string, ref: GitRef, credentials?: GitCredentials): Promise<string> {
    if (ref.commit) return ref.commit;
    const wanted = ref.branch !== undefined ? `refs/heads/${ref.branch}` : `refs/tags/${ref.tag}`;
    const refs = await this.guard(url, () =>
      git.listServerRefs({ http: this.http, url, headers: authHeaders(credentials), protocolVersion: 2, prefix: wanted, peelTags: true }),
    );
    const found = refs.find((r) => r.ref === wanted);
    if (!found) {
      throw new FerryError('source.ref-not-found', `${redactUrl(url)} has no ${wanted}`, { hint: 'check spec.ref: the branch or tag must exist on the remote' });
    }
    return found.peeled ?? found.oid;
  }

  async fetchCommit(url: string, ref: GitRef, commit: string, credentials?: GitCredentials): Promise<void> {
    const gitdir = await this.prepare(url);
    if (await hasCommit(gitdir, commit, this.cache)) return;
    const first = !(await hasAnyRef(gitdir));
    const remoteRef = ref.branch !== undefined ? `refs/heads/${ref.branch}` : ref.tag !== undefined ? `refs/tags/${ref.tag}` : undefined;
    await this.guard(url, () =>
      git.fetch({
        fs,
        http: capTransfer(this.http, this.maxRepoBytes, url),
        gitdir,
        remote: 'origin',
        ...(remoteRef ? { ref: remoteRef, remoteRef, singleBranch: true } : {}),
        // Depth only on the first fetch: an incremental fetch with a depth re-downloads the whole tree.
        ...(first && remoteRef ? { depth: 1 } : {}),
        tags: false,
        headers: authHeaders(credentials),
        cache: this.cache,
      }),
    );
    if (!(await hasCommit(gitdir, commit, this.cache))) {
      throw new FerryError('source.commit-not-found', `${redactUrl(url)}: commit ${commit} was not found after fetching`, {
        hint: ref.commit ? 'a commit ref must be reachable from a branch of the remote' : 'the ref moved while fetching; the next sync picks up the new head',
      });
    }
  }

  async readFiles(url: string, commit: string, path: string, accept: (path: string) => boolean = () => true): Promise<SourceFile[]> {
    const gitdir = this.gitdirOf(url);
    const files: SourceFile[] = [];
    const walk = async (treePath: string): Promise<void> => {
      const { tree } = await git.readTree({ fs, gitdir, oid: commit, ...(treePath ? { filepath: treePath } : {}), cache: this.cache });
      for (const entry of tree) {
        const child = treePath ? `${treePath}/${entry.path}` : entry.path;
        if (entry.type === 'tree') await walk(child);
        else if (entry.type === 'blob' && accept(child)) {
          const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid, cache: this.cache });
          files.push({ path: child, content: Buffer.from(blob) });
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

  private gitdirOf(url: string): string {
    const id = createHash('sha256').update(url).digest('hex').slice(0, 20);
    return join(this.options.cacheDir, `${id}.git`);
  }

  private async prepare(url: string): Promise<string> {
    const gitdir = this.gitdirOf(url);
    const packDir = join(gitdir, 'objects', 'pack');
    const packs = await readdir(packDir).catch(() => [] as string[]);
    if (packs.filter((p) => p.endsWith('.pack')).length > this.maxPacks) await rm(gitdir, { recursive: true, force: true });
    if (!(await stat(join(gitdir, 'HEAD')).catch(() => undefined))) {
      await mkdir(dirname(gitdir), { recursive: true });
      await git.init({ fs, gitdir, bare: true });
      await git.addRemote({ fs, gitdir, remote: 'origin', url });
    }
    return gitdir;
  }

  /** Translates isomorphic-git and network errors into FerryErrors without the credentials. */
  private async guard<T>(url: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof FerryError) throw error;
      const where = redactUrl(url);
      if (error instanceof Errors.HttpError) {
        const status = (error.data as { statusCode?: number }).statusCode ?? 0;
        if (status === 401 || status === 403) {
          throw new FerryError('source.auth', `${where}: the git server refused the credentials (HTTP ${status})`, { hint: 'check the Secret named by spec.secretRef' });
        }
        if (status === 404) throw new FerryError('source.not-found', `${where}: repository not found (HTTP 404)`, { hint: 'check spec.url' });
        throw new FerryError('source.unavailable', `${where}: git server answered HTTP ${status}`);
      }
      const message = error instanceof Error ? error.message : String(error);
      // Node's bare "aborted" says nothing to a reader of the Sync's status.
      const said = message === 'aborted' ? 'the git server closed the connection in the middle of a response' : message;
      throw new FerryError('source.unavailable', `${where}: ${said}`);
    }
  }
}

function authHeaders(credentials?: GitCredentials): Record<string, string> {
  // Sent up front: isomorphic-git's onAuth costs a 401 round trip on every request.
  if (credentials?.bearerToken) return { authorization: `Bearer ${credentials.bearerToken}` };
  if (credentials?.username !== undefined || credentials?.password !== undefined) {
    const basic = Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64');
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

/**
 * Aborts a request when the server sends nothing for `idleMs`: before the response headers, or
 * between two chunks of the body. The socket is destroyed, so a stalled server costs nothing more.
 * Requests go through agents of our own: Node's global agent closes any socket idle for 5 s, so a
 * server that needs 6 s to start a big pack failed every fetch ("Request timed out").
 */
function limitIdleTime(inner: HttpClient, idleMs: number): HttpClient {
  // Keep-alive as the global agent does (a poll is several requests); idle pooled sockets are unref'd.
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const agent = request.agent ?? (request.url.startsWith('https:') ? agents.https : agents.http);
      const abort = new AbortController();
      const signal = request.signal ? AbortSignal.any([request.signal, abort.signal]) : abort.signal;
      // guard() turns it into source.unavailable, prefixed with the repository URL.
      const stalled = () => new Error(`the git server sent nothing for ${formatSeconds(idleMs)}`);
      const withDeadline = async <T>(work: Promise<T>): Promise<T> => {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            abort.abort();
            reject(stalled());
          }, idleMs);
        });
        try {
          return await Promise.race([work, expired]);
        } finally {
          clearTimeout(timer);
        }
      };
      const response = await withDeadline(inner.request({ ...request, agent, signal }));
      const body = response.body;
      if (!body) return response;
      async function* guarded(): AsyncIterableIterator<Uint8Array> {
        const iterator = (body as AsyncIterableIterator<Uint8Array>)[Symbol.asyncIterator]();
        for (;;) {
          const next = await withDeadline(iterator.next());
          if (next.done) return;
          yield next.value;
        }
      }
      return { ...response, body: guarded() };
    },
  };
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
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

export function redactUrl(url: string): string {
  return url.replace(/(\/\/)[^/@]*@/, '$1***@');
}

/** Writes files into a directory (for kustomize and helm, which read from disk). */
export async function materializeFiles(dir: string, files: readonly SourceFile[]): Promise<void> {
  for (const file of files) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
}
