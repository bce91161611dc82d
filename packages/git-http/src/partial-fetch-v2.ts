import type { HttpClient } from 'isomorphic-git';
import { FLUSH_PKT, parsePktLines, pktLine } from './pkt-line.js';
import { demuxPackfile, post, writePack, type PackObjects } from './fetch-shallow-v2.js';

/**
 * Whether the server's upload-pack filters objects (`fetch=... filter` in its protocol v2
 * capability advertisement: partial clone, as GitHub, GitLab and Gitea serve it, and git
 * http-backend with `uploadpack.allowFilter`). Any failure answers false: the fetch that follows
 * reports what is wrong with the server, unfiltered.
 */
export async function uploadPackSupportsFilter(http: HttpClient, options: { url: string; headers: Record<string, string> }): Promise<boolean> {
  try {
    const res = await http.request({
      url: `${options.url.replace(/\/+$/, '')}/info/refs?service=git-upload-pack`,
      method: 'GET',
      headers: { ...options.headers, 'git-protocol': 'version=2' },
    });
    const chunks: Uint8Array[] = [];
    if (res.body) for await (const chunk of res.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
    if (res.statusCode !== 200) return false;
    const lines = parsePktLines(Buffer.concat(chunks));
    return lines.some((line) => line.startsWith('fetch=') && line.slice('fetch='.length).split(' ').includes('filter'));
  } catch {
    return false;
  }
}

/**
 * Fetches objects by id over protocol v2 (`want <oid>` of any object the server holds, as a
 * partial clone's lazy fetch does) and stores them as one pack. The blobs a promotion reads after
 * a `filter blob:none` fetch come this way: a handful of objects instead of every file. Returns
 * them, inflated.
 */
export async function fetchObjectsV2(
  http: HttpClient,
  options: {
    url: string; headers: Record<string, string>; gitdir: string; oids: readonly string[];
    /**
     * Exactly the objects named (`filter tree:0`: a wanted tree comes without its subtrees and
     * blobs, which it would otherwise bring all of). Only for a server that filters.
     */
    exact?: boolean | undefined;
  },
): Promise<PackObjects> {
  if (options.oids.length === 0) return new Map();
  const body = Buffer.concat([
    pktLine('command=fetch\n'), pktLine('agent=ferry\n'), Buffer.from('0001'),
    ...[...new Set(options.oids)].map((oid) => pktLine(`want ${oid}\n`)), ...(options.exact ? [pktLine('filter tree:0\n')] : []),
    pktLine('ofs-delta\n'), pktLine('no-progress\n'), pktLine('done\n'), Buffer.from(FLUSH_PKT),
  ]);
  return writePack(options.gitdir, demuxPackfile(await post(http, options, body)));
}
