import git, { type HttpClient } from 'isomorphic-git';

export interface RemoteRefQuery {
  http: HttpClient;
  url: string;
  /** Sent with the request (an Authorization header, say); copied, since isomorphic-git adds to it. */
  headers: Record<string, string>;
  /** A full ref name (`refs/heads/main`, `refs/tags/v1`) or `HEAD`. */
  ref: string;
}

/**
 * The commit `ref` names on the remote, from one protocol v2 ls-refs request for that ref only (an
 * annotated tag is peeled to its commit); null when the remote has no such ref.
 */
export async function resolveRemoteRef({ http, url, headers, ref }: RemoteRefQuery): Promise<string | null> {
  const refs = await git.listServerRefs({ http, url, headers: { ...headers }, protocolVersion: 2, prefix: ref, peelTags: true });
  const found = refs.find((r) => r.ref === ref);
  return found ? (found.peeled ?? found.oid) : null;
}
