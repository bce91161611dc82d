// A GitHub App installation token that is renewed before it expires. GitHub's live an hour;
// @octokit/auth-app caches one for 59 minutes without looking at its `expires_at`, and whoever
// copied the token (git credentials, a status reader) would keep it past that. Everything that
// runs longer than a token (a `--wait-live`) asks this source instead.

export interface MintedToken {
  token: string;
  /** ISO time from GitHub's `expires_at`. */
  expiresAt: string;
}

export interface InstallationTokenSource {
  /** A token with at least half of its life (at most 5 minutes) left; one mint for concurrent callers. */
  token(): Promise<string>;
}

const MAX_MARGIN_MS = 5 * 60_000;

/** `mint(refresh)`: the cached token when `refresh` is false, a newly created one when true. */
export function createInstallationTokenSource(mint: (refresh: boolean) => Promise<MintedToken>, now: () => number = Date.now): InstallationTokenSource {
  let current: { token: string; renewAt: number } | undefined;
  let minting: Promise<string> | undefined;
  const renew = async (refresh: boolean): Promise<string> => {
    const fetchedAt = now();
    const minted = await mint(refresh);
    const expiresAt = Date.parse(minted.expiresAt);
    const margin = Math.min(MAX_MARGIN_MS, Math.max(0, expiresAt - fetchedAt) / 2);
    current = { token: minted.token, renewAt: expiresAt - margin };
    return minted.token;
  };
  return {
    token() {
      if (current && now() < current.renewAt) return Promise.resolve(current.token);
      minting ??= renew(current !== undefined).finally(() => {
        minting = undefined;
      });
      return minting;
    },
  };
}
