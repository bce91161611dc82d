import type { GitSource, RefFreshness } from '../ports.js';

/** One ref listing of a remote: ref name -> commit, and when the request for it started. */
export interface RefListing {
  refs: ReadonlyMap<string, string>;
  startedAt: number;
}

/**
 * Ref listings shared by every Sync of one (URL, credentials) key: single-flight (callers that
 * arrive while a listing is in flight wait for it) and reused while it is as fresh as each caller
 * allows. The key must identify the credentials, so no caller ever reads an answer it could not
 * have got itself. A failed listing is not kept: the next caller asks again.
 */
export class RefListingCache {
  private readonly entries = new Map<string, { startedAt: number; listing: Promise<RefListing> }>();

  constructor(private readonly now: () => number, private readonly maxEntries = 1000) {}

  async get(key: string, freshness: RefFreshness | undefined, list: () => Promise<ReadonlyMap<string, string>>): Promise<RefListing> {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && entry.startedAt >= oldestAccepted(now, freshness)) return entry.listing;
    const listing = list().then((refs) => ({ refs, startedAt: now }));
    this.entries.set(key, { startedAt: now, listing });
    listing.catch(() => {
      if (this.entries.get(key)?.listing === listing) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return listing;
  }

  /** Forgets the listing of `key` (its credentials were refused since). */
  drop(key: string): void {
    this.entries.delete(key);
  }
}

/** The oldest start time an answer may have: `maxAgeMs` back (0 without it), never before `notBefore`. */
export function oldestAccepted(now: number, freshness: RefFreshness | undefined): number {
  const byAge = now - Math.max(0, freshness?.maxAgeMs ?? 0);
  return freshness?.notBefore !== undefined ? Math.max(byAge, freshness.notBefore) : byAge;
}

/** `source` as one reconcile of the daemon sees it: every remote question asked with `freshness`. */
export function withRefFreshness(source: GitSource, freshness: RefFreshness): GitSource {
  return {
    resolveRemote: (url, ref, credentials) => source.resolveRemote(url, ref, credentials, freshness),
    fetchCommit: (url, ref, commit, credentials) => source.fetchCommit(url, ref, commit, credentials, freshness),
    readFiles: (url, commit, path, accept) => source.readFiles(url, commit, path, accept),
    readCommit: (url, commit) => source.readCommit(url, commit),
  };
}
