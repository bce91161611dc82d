// The ImageRegistry port over the OCI distribution API: HEAD /v2/NAME/manifests/REF with every
// manifest media type in Accept (an image index answers as itself, so its digest is the one a
// multi-arch tag names), the registry's 401 challenge answered the way docker does it (Bearer:
// a token from the realm, anonymously or with basic credentials; Basic: the credentials), HTTPS
// everywhere except loopback registries (Docker's rule), bounded retries for 5xx, 429 and network
// failures. Credentials travel only in Authorization headers and never appear in an error.
import { createHash } from 'node:crypto';
import { FerryError, normalizeRepository } from '@ferry/manifest-model';
import type { ImageRegistry, ManifestLookup } from '../ports.js';
import { createCredentialLookup, type RegistryCredentialSources } from './registry-credentials.js';
import { excerptResponse } from '@ferry/git-http';

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const ACCEPT = [
  OCI_INDEX, DOCKER_MANIFEST_LIST,
  'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryClientOptions {
  credentials?: RegistryCredentialSources | undefined;
  /** Per request (default 30 s). */
  timeoutMs?: number | undefined;
  /** Tries per request for 5xx, 429 and network failures (default 3). */
  attempts?: number | undefined;
  /** First backoff between tries, doubled each time (default 500 ms). */
  retryDelayMs?: number | undefined;
}

interface Endpoint {
  /** The host as the image names it, for messages and credentials (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
  registry: string;
  /** The API host (`registry-1.docker.io` for Docker Hub). */
  apiHost: string;
  repository: string;
}

export function createRegistryClient(options: RegistryClientOptions = {}): ImageRegistry {
  const lookup = createCredentialLookup(options.credentials ?? {});
  const settings = { timeoutMs: options.timeoutMs ?? 30_000, attempts: Math.max(1, options.attempts ?? 3), retryDelayMs: options.retryDelayMs ?? 500 };
  const schemes = new Map<string, 'https' | 'http'>();
  /** Authorization per API host and repository, once a challenge was answered. */
  const authorizations = new Map<string, string>();

  async function resolveManifest(image: string, reference: string): Promise<ManifestLookup> {
    const endpoint = locate(image);
    const path = `/v2/${endpoint.repository}/manifests/${reference}`;
    const what = `${image}${reference.includes(':') ? '@' : ':'}${reference}`;
    const head = await authorizedRequest(endpoint, path, 'HEAD', what);
    if (head.status === 404) {
      // HEAD has no body: GET once for the registry's own words (MANIFEST_UNKNOWN, NAME_UNKNOWN).
      const get = await authorizedRequest(endpoint, path, 'GET', what);
      return { found: false, registry: endpoint.registry, detail: get.status === 404 ? describeErrors(await get.text()) : `HTTP ${get.status}` };
    }
    if (head.status !== 200) throw await unexpected(head, what, endpoint);
    let digest = head.headers.get('docker-content-digest') ?? undefined;
    let mediaType = mediaTypeOf(head.headers.get('content-type'));
    if (!digest || !isDigest(digest) || !mediaType) {
      // Not every registry sends the digest on HEAD: the digest of the manifest's bytes is the same.
      const get = await authorizedRequest(endpoint, path, 'GET', what);
      if (get.status !== 200) throw await unexpected(get, what, endpoint);
      const body = Buffer.from(await get.arrayBuffer());
      digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      mediaType = mediaType ?? mediaTypeOf(get.headers.get('content-type')) ?? readMediaType(body) ?? 'application/octet-stream';
    }
    return { found: true, digest, mediaType, index: mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST, registry: endpoint.registry };
  }

  /** One request; a 401 challenge is answered once (token or basic credentials) and the request repeated. */
  async function authorizedRequest(endpoint: Endpoint, path: string, method: 'HEAD' | 'GET', what: string): Promise<Response> {
    const key = `${endpoint.apiHost}/${endpoint.repository}`;
    const known = authorizations.get(key);
    const first = await send(endpoint, `${await baseUrl(endpoint)}${path}`, method, known);
    if (first.status !== 401 || known) return checkDenied(first, endpoint, what, known !== undefined);
    const challenge = parseChallenge(first.headers.get('www-authenticate'));
    await first.body?.cancel();
    const authorization = await answerChallenge(endpoint, challenge, what);
    if (authorization === undefined) return checkDenied(first, endpoint, what, false);
    authorizations.set(key, authorization);
    return checkDenied(await send(endpoint, `${await baseUrl(endpoint)}${path}`, method, authorization), endpoint, what, true);
  }

  async function checkDenied(response: Response, endpoint: Endpoint, what: string, authorized: boolean): Promise<Response> {
    if (response.status !== 401 && response.status !== 403) return response;
    await response.body?.cancel();
    const found = lookup(endpoint.registry);
    if (found.credential && authorized) {
      throw new FerryError('registry.auth', `${endpoint.registry} refused to let ${found.credential.username} (from ${found.source}) read ${what}: HTTP ${response.status}`, {
        hint: 'check the user name and password or token, and that it may pull this repository; nothing was pushed',
      });
    }
    throw new FerryError('registry.auth', `${endpoint.registry} does not allow anonymous reads of ${what}: HTTP ${response.status}`, {
      hint: `${found.note ? `${found.note}; ` : ''}set FERRY_REGISTRY_USERNAME and FERRY_REGISTRY_PASSWORD, or log in with \`docker login ${endpoint.registry}\` (DOCKER_CONFIG or ~/.docker/config.json); nothing was pushed`,
    });
  }

  /** The Authorization value that answers the challenge; undefined when there is nothing to send. */
  async function answerChallenge(endpoint: Endpoint, challenge: Challenge | undefined, what: string): Promise<string | undefined> {
    const found = lookup(endpoint.registry);
    if (challenge?.scheme === 'basic') {
      return found.credential ? basicAuth(found.credential.username, found.credential.password) : undefined;
    }
    if (challenge?.scheme !== 'bearer') return undefined;
    const realm = challenge.params['realm'];
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm ?? '');
    } catch {
      throw new FerryError('registry.failed', `${endpoint.registry} answered 401 with a Bearer challenge without a usable realm (${JSON.stringify(realm ?? null)})`, { hint: 'the registry is misconfigured; nothing was pushed' });
    }
    if (realmUrl.protocol !== 'https:' && !(realmUrl.protocol === 'http:' && isLoopback(realmUrl.host))) {
      throw new FerryError('registry.failed', `${endpoint.registry} sends clients for a token to ${realmUrl.origin}, which is not HTTPS; Ferry sends no credentials over plain HTTP except to loopback`, { hint: 'nothing was pushed' });
    }
    if (challenge.params['service']) realmUrl.searchParams.set('service', challenge.params['service']);
    realmUrl.searchParams.set('scope', challenge.params['scope'] ?? `repository:${endpoint.repository}:pull`);
    const authorization = found.credential ? basicAuth(found.credential.username, found.credential.password) : undefined;
    const response = await send(endpoint, realmUrl.toString(), 'GET', authorization);
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new FerryError('registry.auth', found.credential
        ? `the token service of ${endpoint.registry} (${realmUrl.origin}) refused the credentials of ${found.credential.username} (from ${found.source}) for ${what}: HTTP ${response.status} ${describeErrors(text)}`
        : `the token service of ${endpoint.registry} (${realmUrl.origin}) refused an anonymous token for ${what}: HTTP ${response.status}`, {
        hint: found.credential ? 'check the user name and password or token; nothing was pushed' : 'set FERRY_REGISTRY_USERNAME and FERRY_REGISTRY_PASSWORD, or docker login; nothing was pushed',
      });
    }
    if (response.status !== 200) throw new FerryError('registry.failed', `the token service of ${endpoint.registry} answered HTTP ${response.status} for ${what}: ${describeErrors(text)}`, { hint: 'nothing was pushed' });
    let token: unknown;
    try {
      const json = JSON.parse(text) as { token?: unknown; access_token?: unknown };
      token = json.token ?? json.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') throw new FerryError('registry.failed', `the token service of ${endpoint.registry} answered without a token for ${what}`, { hint: 'nothing was pushed' });
    return `Bearer ${token}`;
  }

  /** HTTPS, except a loopback registry that does not speak TLS (Docker allows plain HTTP there only). */
  async function baseUrl(endpoint: Endpoint): Promise<string> {
    const known = schemes.get(endpoint.apiHost);
    if (known) return `${known}://${endpoint.apiHost}`;
    if (!isLoopback(endpoint.apiHost)) {
      schemes.set(endpoint.apiHost, 'https');
      return `https://${endpoint.apiHost}`;
    }
    try {
      const response = await fetch(`https://${endpoint.apiHost}/v2/`, { method: 'GET', signal: AbortSignal.timeout(settings.timeoutMs), redirect: 'manual' });
      await response.body?.cancel();
      schemes.set(endpoint.apiHost, 'https');
    } catch (err) {
      // Refused or silent: nothing listens; the real request reports that (after its retries).
      if (['ECONNREFUSED', 'TimeoutError'].includes(networkCode(err))) return `https://${endpoint.apiHost}`;
      schemes.set(endpoint.apiHost, 'http');
    }
    return `${schemes.get(endpoint.apiHost)}://${endpoint.apiHost}`;
  }

  /** fetch with a timeout, retrying 5xx, 429 and network failures; `registry.unavailable` when they persist. */
  async function send(endpoint: Endpoint, url: string, method: 'HEAD' | 'GET', authorization: string | undefined): Promise<Response> {
    const shown = new URL(url);
    const where = `${shown.origin}${shown.pathname}`;
    let failure = '';
    for (let attempt = 1; attempt <= settings.attempts; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, settings.retryDelayMs * 2 ** (attempt - 2)));
      let response: Response;
      try {
        response = await fetch(url, {
          method, signal: AbortSignal.timeout(settings.timeoutMs),
          headers: { accept: url.includes('/manifests/') ? ACCEPT : 'application/json', 'user-agent': 'ferry', ...(authorization ? { authorization } : {}) },
        });
      } catch (err) {
        const code = networkCode(err);
        failure = code === 'TimeoutError' ? `no answer within ${Math.round(settings.timeoutMs / 1000)} s` : `cannot connect (${code})`;
        continue;
      }
      if (response.status === 429 || response.status >= 500) {
        failure = `HTTP ${response.status}${method === 'GET' ? ` ${describeErrors(await response.text())}` : ''}`;
        await response.body?.cancel().catch(() => undefined);
        continue;
      }
      return response;
    }
    throw new FerryError('registry.unavailable', `registry ${endpoint.registry} (${where}): ${failure.trim()} after ${settings.attempts} ${settings.attempts === 1 ? 'try' : 'tries'}`, {
      hint: 'the image could not be verified, so nothing was pushed; run again when the registry answers',
    });
  }

  return { resolveManifest };
}

async function unexpected(response: Response, what: string, endpoint: Endpoint): Promise<FerryError> {
  const text = await response.text().catch(() => '');
  return new FerryError('registry.failed', `registry ${endpoint.registry} answered HTTP ${response.status} for ${what}${text ? `: ${describeErrors(text)}` : ''}`, { hint: 'nothing was pushed' });
}

/** Where `image` lives: Docker's normalisation (`nginx` is docker.io/library/nginx, served by registry-1.docker.io). */
function locate(image: string): Endpoint {
  const full = normalizeRepository(image);
  const slash = full.indexOf('/');
  const registry = full.slice(0, slash);
  return { registry, apiHost: registry === 'docker.io' ? 'registry-1.docker.io' : registry, repository: full.slice(slash + 1) };
}

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

interface Challenge { scheme: string; params: Record<string, string> }

/** `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/web:pull"` (RFC 7235 auth-params). */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const param = /([A-Za-z][A-Za-z0-9._-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  let m: RegExpExecArray | null;
  while ((m = param.exec(match[2]!)) !== null && m[0] !== '') params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  return { scheme: match[1]!.toLowerCase(), params };
}

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** The distribution error body (`{"errors":[{"code","message"}]}`, or Docker Hub's `details`), short. */
function describeErrors(text: string): string {
  try {
    const json = JSON.parse(text) as { errors?: { code?: string; message?: string }[]; details?: string };
    if (Array.isArray(json.errors) && json.errors.length) return json.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    if (typeof json.details === 'string') return json.details;
  } catch {
    // Not JSON: an excerpt.
  }
  return excerptResponse(text, 120);
}

function mediaTypeOf(header: string | null): string | undefined {
  const type = header?.split(';')[0]?.trim();
  return type && type !== 'application/json' && type !== 'text/plain' ? type : undefined;
}

function readMediaType(body: Buffer): string | undefined {
  try {
    const json = JSON.parse(body.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof json.mediaType === 'string') return json.mediaType;
    return Array.isArray(json.manifests) ? OCI_INDEX : undefined;
  } catch {
    return undefined;
  }
}

function isDigest(value: string): boolean {
  return /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/.test(value);
}

/** `ECONNREFUSED`, `TimeoutError`, `ERR_SSL_WRONG_VERSION_NUMBER`...: from fetch's error or its cause. */
function networkCode(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'TimeoutError';
  const cause = err instanceof Error ? (err.cause as { code?: string; name?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.name ?? (err instanceof Error ? err.message : String(err));
}
