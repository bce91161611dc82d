// The bearer-token half of the Docker registry auth flow, as ghcr.io and Docker Hub run it: the
// registry answers 401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...`, the client
// asks the realm for a token (anonymously or with basic credentials) and retries with it. The real
// registry verifies the tokens this server signs (ES256 JWTs; the public key reaches it as a JWKS
// file), so the registry side of the flow is the real one.
import { createHash, generateKeyPairSync, randomBytes, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryUser { username: string; password: string }

export interface TokenServerOptions {
  /** `service` the registry names in its challenge (the token's audience). */
  service: string;
  issuer: string;
  users: RegistryUser[];
  /** Without credentials: a token that may pull (Docker Hub's public images), or one with no access. */
  anonymousPull: boolean;
}

export interface TokenRequest {
  /** `anonymous`, a user name, or `invalid:<name>` for credentials that were refused. */
  who: string;
  service: string | null;
  scopes: string[];
  status: number;
}

export interface ResourceAccess { type: string; name: string; actions: string[] }

export interface TokenServer {
  /** http://127.0.0.1:PORT/token */
  realm: string;
  /** The public key as a JSON Web Key Set, for the registry's `auth.token.jwks`. */
  jwks: string;
  /** Every token request, in order. */
  requests: TokenRequest[];
  /** Signs a token directly (the push helpers' admin path). */
  mint(subject: string, access: ResourceAccess[]): string;
  close(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 32);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
  const requests: TokenRequest[] = [];
  const mint = (subject: string, access: ResourceAccess[]): string => signToken(privateKey, kid, {
    iss: options.issuer, sub: subject, aud: options.service, access,
  });

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const service = url.searchParams.get('service');
    const scopes = url.searchParams.getAll('scope');
    const answer = (status: number, body: unknown, who: string): void => {
      requests.push({ who, service, scopes, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/token') return answer(404, { details: 'not found' }, 'anonymous');
    if (service !== options.service) return answer(400, { details: `unknown service "${service}"` }, 'anonymous');
    const credentials = parseBasic(req.headers.authorization);
    if (credentials === 'malformed') return answer(400, { details: 'malformed authorization header' }, 'anonymous');
    let who = 'anonymous';
    if (credentials) {
      if (!options.users.some((u) => safeEqual(u.username, credentials.username) && safeEqual(u.password, credentials.password))) {
        // Docker Hub's answer to a wrong password.
        return answer(401, { details: 'incorrect username or password' }, `invalid:${credentials.username}`);
      }
      who = credentials.username;
    }
    const access = scopes.flatMap((scope) => parseScope(scope)).map((resource) => ({
      ...resource,
      actions: who !== 'anonymous' ? resource.actions : options.anonymousPull ? resource.actions.filter((a) => a === 'pull') : [],
    })).filter((resource) => resource.actions.length > 0);
    const token = mint(who, access);
    answer(200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }, who);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    jwks: JSON.stringify({ keys: [jwk] }),
    requests,
    mint,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function signToken(key: KeyObject, kid: string, claims: { iss: string; sub: string; aud: string; access: ResourceAccess[] }): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'ES256', typ: 'JWT', kid })}.${encode({ ...claims, iat: now, nbf: now - 10, exp: now + 300, jti: randomBytes(12).toString('hex') })}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** `repository:acme/web:pull,push` -> one resource (a repository name may hold a port, never a ':' otherwise). */
function parseScope(scope: string): ResourceAccess[] {
  return scope.split(' ').flatMap((item) => {
    const first = item.indexOf(':');
    const last = item.lastIndexOf(':');
    if (first < 0 || last === first) return [];
    return [{ type: item.slice(0, first), name: item.slice(first + 1, last), actions: item.slice(last + 1).split(',').filter(Boolean) }];
  });
}

export function parseBasic(header: string | undefined): RegistryUser | 'malformed' | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) return 'malformed';
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
