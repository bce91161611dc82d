import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FerryError } from '@ferry/manifest-model';
import { describeStatusLine, excerptResponseBody } from '@ferry/git-http';
import type { TokenSource } from './token-source.js';

export interface GitHubAppTokensOptions {
  /** REST base: https://api.github.com (default) or https://HOST/api/v3 for GitHub Enterprise. */
  apiUrl?: string | undefined;
  appId: string;
  installationId: string;
  /** The app's private key (PEM), read again at every mint so a rotated key Secret is picked up. */
  privateKeyFile: string;
  /** Refresh this long before expiry at most (default 5 min; never more than half the token's lifetime). */
  refreshBeforeMs?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

interface Minted {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * GitHub App installation tokens for the agent's git fetches and commit statuses: minted with an
 * app JWT (RS256, 9 minutes), kept until shortly before they expire (5 minutes before, or half
 * their lifetime when that is shorter), then minted again. Concurrent callers share one mint in
 * flight. A token the server refused is dropped at once. Neither the key nor a token ever appears
 * in a message.
 */
export class GitHubAppTokens implements TokenSource {
  readonly #options: GitHubAppTokensOptions;
  readonly #apiBase: string;
  #current: Minted | undefined;
  #pending: Promise<Minted> | undefined;
  /** How many tokens were minted (for metrics and tests). */
  minted = 0;

  constructor(options: GitHubAppTokensOptions) {
    this.#options = options;
    this.#apiBase = (options.apiUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  }

  async token(): Promise<string> {
    const current = this.#current;
    if (current && Date.now() < current.refreshAt) return current.token;
    this.#pending ??= this.#mint().finally(() => {
      this.#pending = undefined;
    });
    return (await this.#pending).token;
  }

  /** Reads the key file and signs a JWT, without asking GitHub: a start-up check of the configuration. */
  async checkKey(): Promise<void> {
    await this.#jwt(`GitHub App ${this.#options.appId}, installation ${this.#options.installationId}`);
  }

  refused(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  async #mint(): Promise<Minted> {
    const { appId, installationId } = this.#options;
    const what = `GitHub App ${appId}, installation ${installationId}`;
    const jwt = await this.#jwt(what);
    const url = `${this.#apiBase}/app/installations/${encodeURIComponent(installationId)}/access_tokens`;
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(url, {
        method: 'POST',
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
        headers: { authorization: `Bearer ${jwt}`, accept: 'application/vnd.github+json', 'user-agent': 'ferry-agent', 'x-github-api-version': '2022-11-28' },
      });
    } catch (error) {
      throw new FerryError('github-app.unavailable', `${what}: cannot mint an installation token at ${this.#apiBase}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      const excerpt = excerptResponseBody(messageOf(text));
      const line = `${describeStatusLine(response.status, response.statusText)}${excerpt ? `: ${excerpt}` : ''}`;
      if (response.status === 401) throw new FerryError('github-app.auth', `${what}: GitHub refused the app's JWT (${line})`, { hint: 'check --github-app-id and that --github-app-private-key-file holds a current private key of that app' });
      if (response.status === 404) throw new FerryError('github-app.auth', `${what}: installation not found (${line})`, { hint: 'check --github-app-installation-id: the number in the URL of the installation\'s settings page' });
      throw new FerryError(response.status >= 500 ? 'github-app.unavailable' : 'github-app.failed', `${what}: minting an installation token failed (${line})`);
    }
    let body: { token?: unknown; expires_at?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new FerryError('github-app.failed', `${what}: the installation token answer is not JSON`);
    }
    const expiresAt = typeof body.expires_at === 'string' ? Date.parse(body.expires_at) : Number.NaN;
    if (typeof body.token !== 'string' || !body.token || Number.isNaN(expiresAt)) throw new FerryError('github-app.failed', `${what}: the installation token answer has no token or expires_at`);
    const now = Date.now();
    const margin = Math.min(this.#options.refreshBeforeMs ?? 5 * 60_000, Math.max(0, (expiresAt - now) / 2));
    this.minted++;
    const minted = { token: body.token, expiresAt, refreshAt: expiresAt - margin };
    this.#current = minted;
    return minted;
  }

  /** The app JWT GitHub asks for: issued a minute in the past (clock skew), valid 9 minutes. */
  async #jwt(what: string): Promise<string> {
    let pem: string;
    try {
      pem = await readFile(this.#options.privateKeyFile, 'utf8');
    } catch (error) {
      throw new FerryError('github-app.key', `${what}: cannot read --github-app-private-key-file ${this.#options.privateKeyFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
    let key;
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new FerryError('github-app.key', `${what}: --github-app-private-key-file ${this.#options.privateKeyFile} is not a PEM private key`, { hint: 'use the .pem file GitHub generated for the app' });
    }
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 60, exp: now + 540, iss: this.#options.appId })}`;
    return `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url')}`;
  }
}

function messageOf(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
}
