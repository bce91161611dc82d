// GitHub App authentication: RS256 app JWTs in, short-lived installation tokens out.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { ApiError } from './http-kit.js';
import { errorBody } from './payloads.js';

export interface AppOptions {
  appId: number;
  /** The app's private key (PEM); the public half is derived from it. */
  privateKeyPem?: string;
  /** Or just the public key (PEM). */
  publicKeyPem?: string;
  /** Installation id answered for every repository (default 1). */
  installationId?: number;
  /** App slug; installation tokens act as `${slug}[bot]` (default "ferry-test-app"). */
  slug?: string;
  /** How long an installation token lives (GitHub: 1 hour, the default); a test of refreshing sets seconds. */
  tokenLifetimeMs?: number;
}

export interface InstallationToken {
  token: string;
  installationId: number;
  expiresAt: Date;
}

const JWT_DOC = 'https://docs.github.com/apps/building-github-apps/authenticating-with-github-apps';

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
}

export class AppAuthority {
  private readonly key: KeyObject;
  private readonly tokens = new Map<string, InstallationToken>();
  readonly installationId: number;
  readonly slug: string;

  constructor(readonly options: AppOptions) {
    const pem = options.publicKeyPem ?? options.privateKeyPem;
    if (!pem) throw new Error('startGitHubEmulator: app needs privateKeyPem or publicKeyPem to verify app JWTs');
    this.key = createPublicKey(pem);
    this.installationId = options.installationId ?? 1;
    this.slug = options.slug ?? 'ferry-test-app';
  }

  /** Verifies an app JWT the way GitHub does (signature, issuer, iat/exp window of at most 10 minutes). */
  verifyJwt(jwt: string, nowSeconds = Math.floor(Date.now() / 1000)): void {
    const [h = '', p = '', s = ''] = jwt.split('.');
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = decodePart(h);
      payload = decodePart(p);
    } catch {
      throw new ApiError(401, errorBody(401, 'A JSON web token could not be decoded', JWT_DOC));
    }
    const signed = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.key, Buffer.from(s, 'base64url'));
    if (header['alg'] !== 'RS256' || !signed) {
      throw new ApiError(401, errorBody(401, 'A JSON web token could not be decoded', JWT_DOC));
    }
    const exp = payload['exp'];
    const iat = payload['iat'];
    if (typeof exp !== 'number' || exp <= nowSeconds) {
      throw new ApiError(401, errorBody(401, '\'Expiration time\' claim (\'exp\') must be a numeric value representing the future time at which the assertion expires', JWT_DOC));
    }
    if (exp > nowSeconds + 600 + 60) {
      throw new ApiError(401, errorBody(401, '\'Expiration time\' claim (\'exp\') is too far in the future', JWT_DOC));
    }
    if (typeof iat !== 'number' || iat > nowSeconds + 60) {
      throw new ApiError(401, errorBody(401, '\'Issued at\' claim (\'iat\') must be an Integer representing the time that the assertion was issued', JWT_DOC));
    }
    if (String(payload['iss']) !== String(this.options.appId)) {
      throw new ApiError(401, errorBody(401, 'Integration not found', JWT_DOC));
    }
  }

  private readonly listeners: ((t: InstallationToken) => void)[] = [];

  /** Calls `listener` for every installation token issued from now on. */
  onTokenIssued(listener: (t: InstallationToken) => void): void {
    this.listeners.push(listener);
  }

  issueToken(installationId: number): InstallationToken {
    const token: InstallationToken = {
      token: `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`,
      installationId,
      expiresAt: new Date(Date.now() + (this.options.tokenLifetimeMs ?? 3600_000)),
    };
    this.tokens.set(token.token, token);
    for (const listener of this.listeners) listener(token);
    return token;
  }

  /** The live installation token, or null when unknown or expired. */
  findToken(token: string): InstallationToken | null {
    const t = this.tokens.get(token);
    return t && t.expiresAt.getTime() > Date.now() ? t : null;
  }
}
