// A real git smart-HTTP server for tests: `git http-backend` behind node:http, with auth,
// a request log and switchable faults.
import type { ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBareRepo, isolatedGitEnv, repoPath, type CreateRepoOptions } from './create-bare-repo.js';
import { createFaultController, type FaultController, type FaultKind, type FaultTarget, type GitService, type GitStage } from './fault-controller.js';
import { killProcessGroup, runHttpBackend } from './run-http-backend.js';

export interface GitServerAuth {
  basic?: { username: string; password: string }[];
  bearer?: string[];
}

export interface GitServerOptions {
  /** Directory of bare repos; a fresh temp dir (removed on close) by default. */
  root?: string;
  /** No auth when absent: anyone may fetch and push. Read on every request: callers may add credentials later. */
  auth?: GitServerAuth | undefined;
}

export interface RequestLogEntry {
  method: string;
  /** URL path without the query string. */
  path: string;
  /** 'owner/name' (or 'name' for a one-segment path), when the path names a repo. */
  repo?: string;
  service?: GitService;
  stage?: GitStage;
  /** 2 when the client sent `Git-Protocol: version=2`. */
  protocolVersion: 0 | 2;
  /** A protocol v2 POST's command (`ls-refs`, `fetch`), read from its uncompressed body. */
  command?: string;
  /** Request body encoding, e.g. 'gzip' (native git compresses large fetch negotiations). */
  contentEncoding?: string;
  /**
   * Whose credentials the request carried, valid or not: the Basic user name, `bearer` for a
   * Bearer token, `other` for another scheme; absent without an Authorization header. Lets a test
   * prove that credentials were never sent to a server.
   */
  authUser?: string;
  /** HTTP status sent; 0 when the connection closed without a status line. */
  status: number;
  faults: FaultKind[];
}

/** A protocol v2 ref listing (`ls-refs`). */
export function isRefListing(request: RequestLogEntry): boolean {
  return request.command === 'ls-refs';
}

/** A pack download: an upload-pack POST that is not a ref listing (a v2 `fetch`, or a v0/v1 fetch after its advertisement GET). */
export function isPackDownload(request: RequestLogEntry): boolean {
  return request.stage === 'rpc' && request.service === 'upload-pack' && !isRefListing(request);
}

export interface GitServer {
  /** http://127.0.0.1:PORT */
  url: string;
  root: string;
  createRepo(name: string, options?: CreateRepoOptions): Promise<{ url: string; path: string }>;
  repoUrl(name: string): string;
  /** Path of the bare repo 'owner/name' (or 'name') under `root` (whether or not it exists). */
  repoPath(name: string): string;
  faults: FaultController;
  requests: RequestLogEntry[];
  /**
   * Stop listening and drop open connections, so clients get ECONNREFUSED (a server that is gone,
   * unlike the `down` fault's accepted-then-closed connection). Resolves once the port is closed.
   */
  refuseConnections(): Promise<void>;
  /** Listen again on the same port. */
  acceptConnections(): Promise<void>;
  close(): Promise<void>;
}

const REALM = 'ferry-test-git';

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-git-server-'));
  const root = options.root ?? join(scratch, 'repos');
  await mkdir(root, { recursive: true });
  const home = join(scratch, 'home');
  const rejectHooks = join(scratch, 'reject-hooks');
  await mkdir(home);
  await mkdir(rejectHooks);
  // The reject-push fault points core.hooksPath here for one request: git itself then refuses the push.
  await writeFile(
    join(rejectHooks, 'pre-receive'),
    '#!/bin/sh\ncat >/dev/null\necho "${FERRY_REJECT_MESSAGE:-push rejected by test fault}" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  const gitEnv = isolatedGitEnv(home, process.env['PATH']);
  const faults = createFaultController();
  const requests: RequestLogEntry[] = [];
  const children = new Set<ChildProcess>();
  const auth = options.auth;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = parseGitTarget(url);
    const gitProtocol = header(req, 'git-protocol');
    const entry: RequestLogEntry = {
      method: req.method ?? 'GET',
      path: url.pathname,
      ...(target && { repo: target.repo, stage: target.stage }),
      ...(target?.service && { service: target.service }),
      protocolVersion: gitProtocol?.includes('version=2') ? 2 : 0,
      ...(req.headers['content-encoding'] !== undefined && { contentEncoding: header(req, 'content-encoding') }),
      ...(req.headers.authorization !== undefined && { authUser: presentedUser(header(req, 'authorization') ?? '') }),
      status: 0,
      faults: [],
    };
    // Logged on arrival so a test that counts requests never races the response's end.
    requests.push(entry);
    const answer = (status: number, text: string, headers: Record<string, string | string[]> = {}): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(`${text}\n`);
    };

    const user = auth === undefined ? 'anonymous' : authenticate(header(req, 'authorization'), auth);
    if (user === undefined) {
      const challenges = [...(auth?.basic?.length ? [`Basic realm="${REALM}"`] : []), ...(auth?.bearer?.length ? [`Bearer realm="${REALM}"`] : [])];
      return answer(401, 'authentication required', { 'www-authenticate': challenges });
    }
    if (target === undefined) return answer(404, `not a git smart-HTTP path: ${url.pathname}`);

    const down = faults.find('down', target);
    if (down) {
      faults.hit(down.fault);
      entry.faults.push('down');
      req.socket.destroy();
      return;
    }
    const latency = faults.find('latency', target);
    if (latency) {
      faults.hit(latency.fault);
      entry.faults.push('latency');
      await new Promise((resolve) => setTimeout(resolve, latency.spec.ms));
      if (res.destroyed) return;
    }
    const status = faults.find('status', target);
    if (status) {
      faults.hit(status.fault);
      entry.faults.push('status');
      return answer(status.spec.status, status.spec.message ?? `injected fault: HTTP ${status.spec.status}`);
    }

    const config: [string, string][] = [['http.receivepack', 'true']];
    const extraEnv: NodeJS.ProcessEnv = {};
    const reject = target.service === 'receive-pack' && target.stage === 'rpc' ? faults.find('reject-push', target) : undefined;
    if (reject) {
      faults.hit(reject.fault);
      entry.faults.push('reject-push');
      config.push(['core.hooksPath', rejectHooks]);
      if (reject.spec.message !== undefined) extraEnv['FERRY_REJECT_MESSAGE'] = reject.spec.message;
    }
    const cut = target.stage === 'rpc' ? faults.find('cut', target) : undefined;
    const env = { ...gitEnv, ...extraEnv, ...cgiEnv(req, url, root, user, config) };
    await runHttpBackend(req, res, {
      env,
      cut: cut && {
        afterBytes: cut.spec.afterBytes,
        direction: cut.spec.direction ?? 'response',
        onFire: () => {
          faults.hit(cut.fault);
          entry.faults.push('cut');
        },
      },
      track: (child) => {
        children.add(child);
        child.on('close', () => children.delete(child));
      },
      onStatus: (code) => {
        entry.status = code;
      },
      onBodyStart: (chunk) => {
        const command = entry.protocolVersion === 2 && entry.contentEncoding === undefined ? /^[0-9a-f]{4}command=([a-z-]+)/.exec(chunk.toString('latin1'))?.[1] : undefined;
        if (command) entry.command = command;
      },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`git-server error: ${error instanceof Error ? error.message : String(error)}\n`);
      } else {
        res.destroy();
      }
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const child of children) killProcessGroup(child);
    return closed;
  };
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const repoUrl = (name: string): string => `${url}/${name}.git`;

  return {
    url,
    root,
    faults,
    requests,
    repoUrl,
    repoPath: (name) => repoPath(root, name),
    refuseConnections: async () => {
      if (server.listening) await stopListening();
    },
    acceptConnections: async () => {
      if (!server.listening) await listen(port);
    },
    async createRepo(name, repoOptions) {
      const path = await createBareRepo(root, name, gitEnv, repoOptions);
      return { url: repoUrl(name), path };
    },
    async close() {
      faults.clear();
      if (server.listening) await stopListening();
      // A caller-provided root belongs to the caller; only our scratch space is removed.
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** The CGI variables `git http-backend` reads, plus per-request config through GIT_CONFIG_COUNT. */
function cgiEnv(req: IncomingMessage, url: URL, root: string, user: string, config: [string, string][]): NodeJS.ProcessEnv {
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: value });
  return {
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: url.pathname,
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: header(req, 'content-type') ?? '',
    REMOTE_USER: user,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    ...optional('CONTENT_LENGTH', header(req, 'content-length')),
    ...optional('GIT_PROTOCOL', header(req, 'git-protocol')),
    // Native git gzips large fetch negotiations; http-backend inflates them when told.
    ...optional('HTTP_CONTENT_ENCODING', header(req, 'content-encoding')),
    GIT_CONFIG_COUNT: String(config.length),
    ...Object.fromEntries(config.flatMap(([key, value], i) => [[`GIT_CONFIG_KEY_${i}`, key], [`GIT_CONFIG_VALUE_${i}`, value]])),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Maps `/owner/name.git/info/refs?service=git-upload-pack`, `/owner/name.git/git-upload-pack` and one-segment `/name.git/...`. */
function parseGitTarget(url: URL): FaultTarget | undefined {
  const match = /^\/([^/]+(?:\/[^/]+)?)\.git\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.*)$/.exec(url.pathname);
  if (!match) return undefined;
  const [, repo = '', rest = ''] = match;
  const serviceName = rest === 'info/refs' ? url.searchParams.get('service') : rest;
  const service = serviceName === 'git-upload-pack' ? 'upload-pack' : serviceName === 'git-receive-pack' ? 'receive-pack' : undefined;
  return { repo, service, stage: rest.startsWith('git-') ? 'rpc' : 'advertise' };
}

/** The user an Authorization value claims to be (never the password or token). */
function presentedUser(authorization: string): string {
  const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return 'bearer';
  if (scheme.toLowerCase() !== 'basic') return 'other';
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return decoded.slice(0, Math.max(0, decoded.indexOf(':')));
}

/** Returns the user name the credentials prove, or undefined. Compares in constant time. */
function authenticate(authorization: string | undefined, auth: GitServerAuth): string | undefined {
  if (authorization === undefined) return undefined;
  const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const ok = colon >= 0 && auth.basic?.some((c) => safeEqual(c.username, username) && safeEqual(c.password, password));
    return ok ? username : undefined;
  }
  if (scheme.toLowerCase() === 'bearer') {
    return auth.bearer?.some((token) => safeEqual(token, value)) ? 'bearer' : undefined;
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
