// Maps an Authorization header to the caller GitHub would see: a user (PAT), an app (JWT) or an
// installation (token issued by the app endpoints), or GitHub's 401 answer.
import { looksLikeJwt, type AppAuthority } from './app-auth.js';
import type { Actor } from './emulator-state.js';
import { ApiError } from './http-kit.js';
import { errorBody, idForLogin } from './payloads.js';

export interface Authentication {
  actor: Actor | null;
  /** The caller presented an app JWT (only the /app endpoints accept it). */
  jwt: boolean;
  error?: ApiError;
  /** Rate-limit bucket. */
  key: string;
}

export interface AuthenticationOptions {
  app: AppAuthority | null;
  /** Accepted PATs; undefined = any token that is neither a JWT nor an installation-style token. */
  tokens?: string[];
  userLogin: string;
}

export function authenticateRequest(header: string | undefined, o: AuthenticationOptions): Authentication {
  if (!header) return { actor: null, jwt: false, key: 'anonymous' };
  const token = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim())?.[1] ?? '';
  const bad = new ApiError(401, errorBody(401, 'Bad credentials', 'https://docs.github.com/rest'));
  if (!token) return { actor: null, jwt: false, error: bad, key: 'anonymous' };
  if (looksLikeJwt(token)) {
    if (!o.app) return { actor: null, jwt: true, error: bad, key: 'jwt' };
    try {
      o.app.verifyJwt(token);
    } catch (error) {
      return { actor: null, jwt: true, error: error as ApiError, key: 'jwt' };
    }
    return { actor: { login: o.app.slug, id: o.app.options.appId, type: 'Bot', via: 'app' }, jwt: true, key: `app:${o.app.options.appId}` };
  }
  if (o.app?.findToken(token)) {
    const login = `${o.app.slug}[bot]`;
    return { actor: { login, id: idForLogin(login), type: 'Bot', via: 'installation' }, jwt: false, key: `inst:${token}` };
  }
  if (o.tokens ? o.tokens.includes(token) : !token.startsWith('ghs_')) {
    return { actor: { login: o.userLogin, id: idForLogin(o.userLogin), type: 'User', via: 'token' }, jwt: false, key: `pat:${token}` };
  }
  return { actor: null, jwt: false, error: bad, key: 'anonymous' };
}
