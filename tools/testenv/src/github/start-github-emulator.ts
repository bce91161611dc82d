// A stateful GitHub stand-in on a real port: REST + GraphQL over the same bare repositories the
// git server serves, with GitHub's auth answers, rate-limit headers and switchable faults.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppAuthority, type AppOptions } from './app-auth.js';
import { authenticateRequest, type Authentication } from './authenticate-request.js';
import type { EmulatorState, ProtectionRecord } from './emulator-state.js';
import { createGraphqlExecutor } from './graphql-api.js';
import { ApiError, Router, type RouteRequest, type RouteResponse } from './http-kit.js';
import { createOpenApiValidator, type OpenApiValidator, type Violation } from './openapi-validator.js';
import { FaultSwitch, type FaultKind, type GitHubEmulatorFaults } from './emulator-faults.js';
import { forwardGit, isGitPath } from './forward-git.js';
import { errorBody, type Urls } from './payloads.js';
import { PullEngine } from './pull-engine.js';
import { RepoStore } from './repo-store.js';
import { appRoutes } from './routes-apps.js';
import { checkRoutes } from './routes-checks.js';
import { gitRoutes } from './routes-git.js';
import { issueRoutes } from './routes-issues.js';
import { protectionRoutes } from './routes-protection.js';
import { pullRoutes } from './routes-pulls.js';
import { statusRoutes, type RecordedStatus } from './routes-statuses.js';
import { describeViolations, registerViolationSource } from './violation-registry.js';

export interface GitHubEmulatorOptions {
  /** Directory holding bare repositories as `${owner}/${name}.git` (the git server's root). */
  reposRoot: string;
  /** Accepted personal access tokens; omitted = any token that is not an app JWT is accepted. */
  tokens?: string[];
  /** Login that personal access tokens act as (default "ferry-bot"). */
  userLogin?: string;
  /** Enables the GitHub App endpoints and installation tokens. */
  app?: AppOptions;
  /**
   * Validate every exchange against GitHub's OpenAPI description / GraphQL schema (default true).
   * A violation fails the running vitest test (fail-on-violations.setup.ts) and makes `close()`
   * throw if still untaken; `false` only for measuring the stand-in's own cost.
   */
  validate?: boolean;
  /** Git server base URL, used for `clone_url` (e.g. the git server's `url`). */
  gitUrl?: string;
  /**
   * GitHub Enterprise Server's layout on one host: REST only under `/api/v3`, GraphQL at
   * `/api/graphql`, git over HTTP at `/OWNER/NAME.git` (forwarded to `gitUrl`, which it needs).
   * A REST request outside `/api/v3` gets 404 and is recorded as a violation.
   */
  enterprise?: boolean;
  /** Port to listen on (default: a free one). */
  port?: number;
}

export interface ExchangeRecord {
  id: string;
  method: string;
  /** Path without the `/api/v3` prefix and without the query string. */
  path: string;
  query: string;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
  /** Time from the request's arrival to the answer, validation excluded. */
  durationMs: number;
  /** Set when the answer came from a switched-on fault. */
  fault?: FaultKind;
}

export type { GitHubEmulatorFaults };

export interface GitHubEmulator {
  /**
   * REST base for Octokit's `baseUrl`; GraphQL is at `${url}/graphql` (`${url}/api/v3` works too).
   * With `enterprise`: `http://127.0.0.1:PORT/api/v3`, GraphQL at `http://127.0.0.1:PORT/api/graphql`.
   */
  url: string;
  graphqlUrl: string;
  /** The host's web root; with `enterprise`, git serves `${webUrl}/OWNER/NAME.git` there. */
  webUrl: string;
  state: EmulatorState;
  setRequiredChecks(repo: string, branch: string, contexts: string[], options?: { strict?: boolean }): Promise<void>;
  /**
   * Calls `listener` with every installation token the app endpoints issue, e.g. to let the git
   * server accept it as `x-access-token:<token>` the way github.com does. Needs `app`.
   */
  onInstallationToken(listener: (token: string, expiresAt: Date) => void): void;
  /**
   * Calls `listener` with every commit status the moment it is recorded, before the poster gets its
   * answer (and so before anyone can read it): a timeline printed from here is in causal order.
   */
  onStatus(listener: (status: RecordedStatus) => void): void;
  /** Allows or forbids auto-merge on a repository (GitHub's "Allow auto-merge" setting). */
  setAllowAutoMerge(repo: string, allowed: boolean): Promise<void>;
  faults: GitHubEmulatorFaults;
  requests: ExchangeRecord[];
  /** Violations recorded and not yet taken (validation failures and stand-in errors). */
  violations: Violation[];
  /** Returns the violations recorded so far and forgets them: for a test that expects some. */
  takeViolations(): Violation[];
  /** Throws listing the violations recorded so far (and forgets them), if any. */
  assertNoViolations(): void;
  /** Stops the server; then throws if violations are left that no test has taken or reported. */
  close(): Promise<void>;
}

const RATE_LIMIT = 5000;

// Headers api.github.com sends on every answer (as recorded in @octokit/fixtures).
const STATIC_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset',
  'cache-control': 'private, max-age=60, s-maxage=60',
  'content-security-policy': "default-src 'none'",
  'referrer-policy': 'origin-when-cross-origin, strict-origin-when-cross-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'deny',
  'x-xss-protection': '0',
};

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function requestId(): string {
  const hex = (n: number): string => randomBytes(n).toString('hex').toUpperCase();
  return `${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}:${hex(4)}`;
}

function splitRepo(fullName: string): { owner: string; name: string } {
  const [owner = '', name = ''] = fullName.split('/');
  if (!owner || !name) throw new Error(`expected "owner/name", got "${fullName}"`);
  return { owner, name };
}

export async function startGitHubEmulator(options: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  const enterprise = options.enterprise ?? false;
  if (enterprise && !options.gitUrl) throw new Error('startGitHubEmulator: enterprise needs gitUrl (where the repositories are served)');
  const store = new RepoStore(options.reposRoot);
  const faults = new FaultSwitch();
  const engine = new PullEngine(store, faults);
  const app = options.app ? new AppAuthority(options.app) : null;
  const validator: OpenApiValidator | null = options.validate === false ? null : createOpenApiValidator();
  const requests: ExchangeRecord[] = [];
  const violations: Violation[] = [];
  const usage = new Map<string, number>();
  const resetAt = Math.floor(Date.now() / 1000) + 3600;
  const urls: Urls = { api: '', html: '', git: options.gitUrl?.replace(/\/$/, '') ?? null };
  const router = new Router();
  let graphql: ReturnType<typeof createGraphqlExecutor> | null = null;

  const authenticate = (header: string | undefined): Authentication =>
    authenticateRequest(header, { app, ...(options.tokens ? { tokens: options.tokens } : {}), userLogin: options.userLogin ?? 'ferry-bot' });

  const handle = async (req: IncomingMessage, raw: Buffer, id: string): Promise<RouteResponse & { record: Omit<ExchangeRecord, 'id' | 'status' | 'responseBody' | 'durationMs'>; resource: string; key: string; fault?: ExchangeRecord['fault']; offLayout?: boolean }> => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const underV3 = /^\/api\/v3(?=\/|$)/.test(u.pathname);
    let path = u.pathname.replace(/^\/api\/v3(?=\/|$)/, '') || '/';
    const isGraphql = enterprise ? u.pathname === '/api/graphql' : path === '/graphql' || path === '/api/graphql';
    if (isGraphql) path = '/graphql';
    let body: unknown;
    const text = raw.toString('utf8');
    const record = { method, path, query: u.search.replace(/^\?/, ''), requestBody: undefined as unknown };
    const resource = isGraphql ? 'graphql' : 'core';
    const auth = authenticate(req.headers.authorization);
    const base = { record, resource, key: auth.key };
    if (enterprise && !underV3 && !isGraphql) {
      violations.push({ operation: `${method} ${u.pathname}`, where: 'operation', message: 'GitHub Enterprise Server serves its REST API under /api/v3 (and GraphQL at /api/graphql) only' });
      return { ...base, record: { ...record, path: u.pathname }, offLayout: true, status: 404, body: errorBody(404, 'Not Found') };
    }
    if (text.trim()) {
      try {
        body = JSON.parse(text);
        record.requestBody = body;
      } catch {
        record.requestBody = text;
        return { ...base, status: 400, body: errorBody(400, 'Problems parsing JSON') };
      }
    }
    const fault = faults.take(id, auth.actor?.id ?? null);
    if (fault) return { ...base, fault: fault.kind, status: fault.status, headers: fault.headers, body: fault.body };
    if (auth.error) return { ...base, status: auth.error.status, body: auth.error.body };
    if (isGraphql) {
      if (method !== 'POST') return { ...base, status: 404, body: errorBody(404, 'Not Found') };
      if (!auth.actor) return { ...base, status: 401, body: errorBody(401, 'This endpoint requires you to be authenticated.', 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql') };
      if (auth.jwt) return { ...base, status: 403, body: errorBody(403, 'Resource not accessible by integration') };
      graphql ??= createGraphqlExecutor({ store, engine, htmlBase: urls.html });
      const answer = await graphql(body, auth.actor);
      if (validator) for (const message of answer.invalid) violations.push({ operation: 'POST /graphql', where: 'request', message });
      return { ...base, status: 200, body: answer.response };
    }
    const found = router.find(method, path);
    if (!found || (found.route.auth === 'app-jwt' && !app)) {
      return { ...base, status: 404, body: errorBody(404, 'Not Found', 'https://docs.github.com/rest') };
    }
    if (!auth.actor) return { ...base, status: 401, body: errorBody(401, 'Requires authentication', 'https://docs.github.com/rest') };
    if (found.route.auth === 'app-jwt' && !auth.jwt) {
      return { ...base, status: 401, body: errorBody(401, 'A JSON web token could not be decoded', 'https://docs.github.com/rest') };
    }
    if (found.route.auth === 'token' && auth.jwt) {
      return { ...base, status: 403, body: errorBody(403, 'Resource not accessible by integration', 'https://docs.github.com/rest') };
    }
    const routeReq: RouteRequest = { method, path, params: found.params, query: u.searchParams, body, headers: req.headers, actor: auth.actor };
    try {
      return { ...base, ...(await found.route.handle(routeReq)) };
    } catch (error) {
      if (error instanceof ApiError) return { ...base, status: error.status, body: error.body };
      throw error;
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (enterprise && options.gitUrl && isGitPath(req.url)) {
      forwardGit(req, res, options.gitUrl);
      return;
    }
    const id = requestId();
    const started = performance.now();
    void (async () => {
      const raw = await readBody(req);
      let result: Awaited<ReturnType<typeof handle>>;
      try {
        result = await handle(req, raw, id);
      } catch (error) {
        // An emulator bug: answer like GitHub's 500 but keep the cause visible to the test.
        violations.push({ operation: `${req.method} ${req.url}`, where: 'operation', message: `emulator error: ${(error as Error).stack ?? String(error)}` });
        result = { status: 500, body: { message: 'Server Error' }, record: { method: req.method ?? 'GET', path: req.url ?? '/', query: '', requestBody: undefined }, resource: 'core', key: 'anonymous' };
      }
      const used = (usage.get(`${result.key}:${result.resource}`) ?? 0) + 1;
      usage.set(`${result.key}:${result.resource}`, used);
      const limit = result.key === 'anonymous' ? 60 : RATE_LIMIT;
      const headers: Record<string, string> = {
        ...STATIC_HEADERS,
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': id,
        'x-github-media-type': 'github.v3; format=json',
        'x-github-api-version-selected': '2022-11-28',
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - used)),
        'x-ratelimit-reset': String(resetAt),
        'x-ratelimit-used': String(used),
        'x-ratelimit-resource': result.resource,
        ...result.headers,
      };
      const payload = result.raw ?? (result.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(result.body)));
      if (result.status === 204) delete headers['content-type'];
      const fault = result.fault;
      const exchange: ExchangeRecord = {
        id, ...result.record, status: result.status, durationMs: Math.round(performance.now() - started),
        responseBody: result.raw ? result.raw.toString('utf8') : result.body,
        ...(fault ? { fault } : {}),
      };
      requests.push(exchange);
      if (fault === 'connection-cut') {
        // No status line at all: the client sees a reset socket, as with a dropped proxy connection.
        req.socket.destroy();
        return;
      }
      if (validator && exchange.path !== '/graphql' && !result.raw && !result.offLayout) {
        violations.push(...validator.validateExchange({
          method: exchange.method, path: exchange.path, query: exchange.query, status: exchange.status,
          ...(exchange.requestBody !== undefined ? { requestBody: exchange.requestBody } : {}),
          ...(exchange.responseBody !== undefined ? { responseBody: exchange.responseBody } : {}),
        }));
      }
      res.writeHead(result.status, { ...headers, 'content-length': String(payload.length) });
      res.end(payload);
    })().catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const statusListeners: Array<(status: RecordedStatus) => void> = [];
  const origin = `http://127.0.0.1:${port}`;
  urls.api = enterprise ? `${origin}/api/v3` : origin;
  urls.html = enterprise ? origin : `${origin}/html`;
  if (enterprise) urls.git = origin;
  for (const r of [...gitRoutes({ store, urls }), ...pullRoutes({ store, urls, engine }), ...issueRoutes({ store, urls }), ...protectionRoutes({ store, urls, engine }), ...statusRoutes({ store, urls, engine, statusListeners }), ...checkRoutes({ store, urls, engine, app })]) router.add(r);
  if (app) for (const r of appRoutes({ store, urls, app })) router.add(r);
  const takeViolations = (): Violation[] => violations.splice(0);
  const unregister = registerViolationSource({ label: urls.api, takeViolations });

  return {
    url: urls.api,
    graphqlUrl: enterprise ? `${origin}/api/graphql` : `${urls.api}/graphql`,
    webUrl: urls.html,
    state: store.state,
    requests,
    violations,
    async setRequiredChecks(fullName, branch, contexts, opts = {}) {
      const { owner, name } = splitRepo(fullName);
      const repo = await store.get(owner, name);
      const current = repo.protection.get(branch);
      const protection: ProtectionRecord = {
        enforceAdmins: false, reviews: null, restrictions: null, ...current,
        checks: { contexts: [...contexts], strict: opts.strict ?? false },
      };
      repo.protection.set(branch, protection);
      await engine.sweepAutoMerge(repo);
    },
    onStatus(listener) {
      statusListeners.push(listener);
    },
    onInstallationToken(listener) {
      if (!app) throw new Error('onInstallationToken: start the emulator with the `app` option');
      app.onTokenIssued((t) => listener(t.token, t.expiresAt));
    },
    async setAllowAutoMerge(fullName, allowed) {
      const { owner, name } = splitRepo(fullName);
      (await store.get(owner, name)).allowAutoMerge = allowed;
    },
    faults,
    takeViolations,
    assertNoViolations() {
      const message = describeViolations(urls.api, takeViolations());
      if (message) throw new Error(message);
    },
    async close() {
      unregister();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      const message = describeViolations(urls.api, takeViolations());
      if (message) throw new Error(message);
    },
  };
}
