import { FerryError } from '@ferry/manifest-model';
import git, { type HttpClient } from 'isomorphic-git';
import { FLUSH_PKT, endsWithFlush, parsePktLines, pktLine } from './pkt-line.js';

const userInfo = /^https?:\/\/[^/]+@/;

export interface RemoteRefListingQuery {
  http: HttpClient;
  url: string;
  /** Sent with the request (an Authorization header, say). */
  headers: Record<string, string>;
  /** Ref name prefixes to list (`refs/heads/`, `refs/tags/`, `HEAD`). */
  prefixes: readonly string[];
}

/**
 * Every ref under `prefixes` on the remote, name -> commit (annotated tags peeled), in ONE request:
 * a protocol v2 ls-refs POST with one `ref-prefix` per prefix, without the capability GET first
 * (servers answer a stateless v2 command directly, as `fetchShallowV2` relies on). A server that
 * does not speak v2 gets isomorphic-git's listing (v1 advertisement) filtered to the prefixes.
 * HTTP error statuses throw as isomorphic-git's HttpError (classifyGitError reads both alike).
 */
export async function listRemoteRefs({ http, url, headers, prefixes }: RemoteRefListingQuery): Promise<Map<string, string>> {
  const body = Buffer.concat([
    pktLine('command=ls-refs\n'), pktLine('agent=ferry\n'), Buffer.from('0001'), pktLine('peel\n'),
    ...prefixes.map((prefix) => pktLine(`ref-prefix ${prefix}\n`)), Buffer.from(FLUSH_PKT),
  ]);
  let answer: Buffer | undefined;
  try {
    // A URL with user info goes the way isomorphic-git treats it (it strips it before the request).
    if (!userInfo.test(url)) answer = await postLsRefs(http, url, headers, body);
  } catch (error) {
    // Only an answer that is not upload-pack's falls back; a refusal, a network error or a host
    // the credentials may not go to is the answer.
    if (!(error instanceof FerryError && error.code === 'git.unsupported')) throw error;
  }
  const refs = new Map<string, string>();
  if (answer && endsWithFlush(answer)) {
    for (const line of parsePktLines(answer)) {
      const [oid, name, ...attrs] = line.split(' ');
      if (!oid || !name) continue;
      const peeled = attrs.find((a) => a.startsWith('peeled:'))?.slice('peeled:'.length);
      refs.set(name, peeled ?? oid);
    }
    return refs;
  }
  // Not a v2 answer: let isomorphic-git ask the way it knows (and report a non-git server its way).
  const listed = await git.listServerRefs({ http, url, headers: { ...headers }, protocolVersion: 1, peelTags: true });
  for (const r of listed) if (prefixes.some((p) => r.ref.startsWith(p))) refs.set(r.ref, r.peeled ?? r.oid);
  return refs;
}

/**
 * The ls-refs POST. fetchShallowV2 has a twin of it; this one keeps the body of an error answer
 * for the excerpt in the Sync's status (classifyGitError reads `data.response`).
 */
async function postLsRefs(http: HttpClient, url: string, headers: Record<string, string>, body: Buffer): Promise<Buffer> {
  const res = await http.request({
    url: `${url.replace(/\/+$/, '')}/git-upload-pack`,
    method: 'POST',
    headers: { ...headers, 'git-protocol': 'version=2', 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' },
    body: [new Uint8Array(body)] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  const chunks: Uint8Array[] = [];
  if (res.body) for await (const chunk of res.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  const answer = Buffer.concat(chunks);
  if (res.statusCode !== 200) {
    throw Object.assign(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()), {
      code: 'HttpError', data: { statusCode: res.statusCode, statusMessage: res.statusMessage, response: answer.toString('utf8') },
    });
  }
  if (!/x-git-upload-pack-result/.test(String(res.headers?.['content-type'] ?? ''))) throw new FerryError('git.unsupported', 'not a smart-HTTP upload-pack answer');
  return answer;
}
