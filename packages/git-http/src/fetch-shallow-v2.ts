import { createHash } from 'node:crypto';
import { mkdir, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import * as fs from 'node:fs';
import type { HttpClient } from 'isomorphic-git';
import { FerryError } from '@ferry/manifest-model';
import { endsWithFlush, FLUSH_PKT, parsePktLines, pktLine } from './pkt-line.js';
import { buildPack, inflateStream, objectId, PACK_TYPES } from './git-objects.js';
import { excerptResponse } from './response-excerpt.js';

/**
 * The first, shallow fetch of a branch over protocol v2, indexed with Node's native zlib and
 * SHA-1. isomorphic-git's fetch does the same job but inflates with pako and hashes every object
 * through crypto.subtle one await at a time, which for a 3,000-file tree costs more than the rest
 * of a promotion; this writes an ordinary pack + v2 index (and the shallow file and remote ref), so
 * isomorphic-git reads, commits and fetches incrementally on top of it as usual. Servers without
 * protocol v2 make it return `unsupported`, and the caller falls back to isomorphic-git.
 */
export async function fetchShallowV2(
  http: HttpClient,
  options: {
    url: string; headers: Record<string, string>; gitdir: string; ref: string;
    /**
     * Leave the blobs out (`filter blob:none`, a partial clone): the commit and its trees only, and
     * the few blobs a caller reads fetched by id later (fetchObjectsV2). Only for a server that
     * advertises `filter` (uploadPackSupportsFilter); a promise, so the caller can ask that in
     * parallel with the ref listing.
     */
    filterBlobs?: boolean | Promise<boolean> | undefined;
    /**
     * With filterBlobs (the server filters): leave the trees out too but the root one (`filter
     * tree:1`, a treeless clone's first fetch): the commit and its root tree, whatever the size of the
     * repository. The trees on the paths a caller reads come later by id (fetchObjectsV2 `exact`).
     */
    treeless?: boolean | undefined;
    /**
     * Treeless only: the commit and its root tree when the caller already holds them (another
     * fetch of this repository in the same process brought them). They are stored as a local pack
     * and nothing is downloaded: the ref listing alone says the branch still points there.
     */
    known?: ((commit: string) => PackObjects | undefined) | undefined;
    /**
     * A pack larger than this is indexed by isomorphic-git instead (and no objects are returned):
     * indexPack holds every object of the pack inflated until it is done, isomorphic-git only the
     * pack. For a caller with a memory budget (the agent); default: no limit.
     */
    maxIndexedPackBytes?: number | undefined;
  },
): Promise<{ head: string; branch: string; filtered: boolean; treeless: boolean; objects: PackObjects } | null | 'unsupported'> {
  const [refs, filtered] = await Promise.all([lsRefs(http, options), options.filterBlobs ?? false]);
  if (refs === 'unsupported') return 'unsupported';
  const wanted = options.ref === 'HEAD' ? refs.find((r) => r.name === 'HEAD') : refs.find((r) => r.name === `refs/heads/${options.ref}`);
  if (!wanted) return null;
  const branch = options.ref === 'HEAD' ? wanted.symref?.replace(/^refs\/heads\//, '') : options.ref;
  if (!branch) return 'unsupported';
  const treeless = filtered && options.treeless === true;

  const body = Buffer.concat([
    pktLine('command=fetch\n'), pktLine('agent=ferry\n'), Buffer.from('0001'),
    pktLine(`want ${wanted.oid}\n`), pktLine('deepen 1\n'), ...(filtered ? [pktLine(`filter ${treeless ? 'tree:1' : 'blob:none'}\n`)] : []),
    pktLine('ofs-delta\n'), pktLine('no-progress\n'), pktLine('done\n'), Buffer.from(FLUSH_PKT),
  ]);
  const known = treeless ? options.known?.(wanted.oid) : undefined;
  const objects = await writePack(options.gitdir, known ? buildPack([...known.values()]) : demuxPackfile(await post(http, options, body)), options.maxIndexedPackBytes);
  await appendFile(join(options.gitdir, 'shallow'), `${wanted.oid}\n`);
  const refPath = join(options.gitdir, 'refs', 'remotes', 'origin', ...branch.split('/'));
  await mkdir(join(refPath, '..'), { recursive: true });
  await writeFile(refPath, `${wanted.oid}\n`);
  return { head: wanted.oid, branch, filtered, treeless, objects };
}

/** The objects of a pack by id, inflated (deltas resolved): what indexPack read anyway. */
export type PackObjects = ReadonlyMap<string, { type: string; data: Buffer }>;

/**
 * Indexes a pack (Node's zlib and SHA-1) and stores it with its .idx where isomorphic-git reads
 * packs. Returns its objects, inflated; a caller that keeps them reads them without isomorphic-git
 * (which would inflate them again, in JavaScript). A pack over `maxIndexedBytes` is stored and
 * indexed by isomorphic-git, and no objects are returned.
 */
export async function writePack(gitdir: string, pack: Buffer, maxIndexedBytes = Infinity): Promise<PackObjects> {
  const packDir = join(gitdir, 'objects', 'pack');
  await mkdir(packDir, { recursive: true });
  if (pack.length > maxIndexedBytes) {
    const filepath = join('objects', 'pack', `pack-${pack.subarray(pack.length - 20).toString('hex')}.pack`);
    await writeFile(join(gitdir, filepath), pack);
    const { default: git } = await import('isomorphic-git');
    await git.indexPack({ fs, dir: gitdir, gitdir, filepath });
    return new Map();
  }
  const { packName, idx, objects } = indexPack(pack);
  await writeFile(join(packDir, `pack-${packName}.pack`), pack);
  await writeFile(join(packDir, `pack-${packName}.idx`), idx);
  return objects;
}

async function lsRefs(http: HttpClient, options: { url: string; headers: Record<string, string>; ref: string }) {
  const prefix = options.ref === 'HEAD' ? 'HEAD' : `refs/heads/${options.ref}`;
  const body = Buffer.concat([pktLine('command=ls-refs\n'), pktLine('agent=ferry\n'), Buffer.from('0001'), pktLine('symrefs\n'), pktLine(`ref-prefix ${prefix}\n`), Buffer.from(FLUSH_PKT)]);
  let answer: Buffer;
  try {
    answer = await post(http, options, body);
  } catch (err) {
    // An HTTP status (auth, 404, 5xx) is an answer about the repo; anything else (a server that
    // does not speak v2, a cut answer) is left to isomorphic-git's own fetch to try or report.
    if ((err as { code?: string }).code === 'HttpError') throw err;
    return 'unsupported' as const;
  }
  // A complete ls-refs answer ends with a flush; a v0 server answers something else entirely.
  if (!endsWithFlush(answer)) return 'unsupported' as const;
  return parsePktLines(answer).map((line) => {
    const [oid, name, ...attrs] = line.split(' ');
    const symref = attrs.find((a) => a.startsWith('symref-target:'))?.slice('symref-target:'.length);
    return { oid: oid!, name: name!, ...(symref ? { symref } : {}) };
  });
}

export async function post(http: HttpClient, options: { url: string; headers: Record<string, string> }, body: Buffer): Promise<Buffer> {
  const res = await http.request({
    url: `${options.url.replace(/\/+$/, '')}/git-upload-pack`,
    method: 'POST',
    headers: {
      ...options.headers, 'git-protocol': 'version=2',
      'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result',
    },
    body: [new Uint8Array(body)] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  const chunks: Uint8Array[] = [];
  if (res.body) for await (const chunk of res.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  if (res.statusCode === 200 && !/x-git-upload-pack-result/.test(String(res.headers?.['content-type'] ?? ''))) {
    throw new FerryError('git.unsupported', 'not a smart-HTTP upload-pack answer');
  }
  if (res.statusCode !== 200) {
    throw Object.assign(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()), { code: 'HttpError', data: { statusCode: res.statusCode, statusMessage: res.statusMessage } });
  }
  return Buffer.concat(chunks);
}

/** Concatenates side-band channel 1 of the `packfile` section; channel 3 is a server error. */
export function demuxPackfile(answer: Buffer): Buffer {
  const parts: Buffer[] = [];
  let inPack = false;
  let at = 0;
  let ended = false;
  while (at + 4 <= answer.length) {
    const length = parseInt(answer.subarray(at, at + 4).toString('latin1'), 16);
    if (Number.isNaN(length)) break;
    if (length < 4) {
      at += 4;
      if (length === 0 && inPack) ended = true;
      continue;
    }
    if (at + length > answer.length) break;
    const payload = answer.subarray(at + 4, at + length);
    at += length;
    if (!inPack) {
      if (payload.toString('latin1').replace(/\n$/, '') === 'packfile') inPack = true;
      else if (payload.toString('latin1').startsWith('ERR ')) throw new FerryError('git.failed', `server: ${excerptResponse(payload.toString('utf8'))}`);
      continue;
    }
    const band = payload[0];
    if (band === 1) parts.push(payload.subarray(1));
    else if (band === 3) throw new FerryError('git.failed', `server: ${excerptResponse(payload.subarray(1).toString('utf8'))}`);
  }
  if (!ended) throw new FerryError('git.network', 'pack cut short (connection closed before the end)');
  return Buffer.concat(parts);
}

const TYPES: Record<number, string> = Object.fromEntries(Object.entries(PACK_TYPES).map(([type, kind]) => [kind, type]));

/** Reads every object of a pack (resolving deltas) and builds its v2 .idx. */
export function indexPack(pack: Buffer): { packName: string; idx: Buffer; objects: PackObjects } {
  if (pack.length < 32 || pack.subarray(0, 4).toString('latin1') !== 'PACK') throw new FerryError('git.network', 'invalid pack received');
  const trailer = pack.subarray(pack.length - 20);
  if (!createHash('sha1').update(pack.subarray(0, pack.length - 20)).digest().equals(trailer)) {
    throw new FerryError('git.network', 'pack checksum mismatch (truncated or corrupted transfer)');
  }
  const count = pack.readUInt32BE(8);
  const byOffset = new Map<number, { type: string; data: Buffer }>();
  const byOid = new Map<string, { type: string; data: Buffer }>();
  const entries: { oid: Buffer; offset: number; crc: number }[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    const start = at;
    let byte = pack[at++]!;
    const kind = (byte >> 4) & 7;
    let size = byte & 0x0f;
    for (let shift = 4; byte & 0x80; shift += 7) {
      byte = pack[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
    }
    let base: { type: string; data: Buffer } | undefined;
    if (kind === 6) {
      byte = pack[at++]!;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        byte = pack[at++]!;
        distance = ((distance + 1) << 7) | (byte & 0x7f);
      }
      base = byOffset.get(start - distance);
    } else if (kind === 7) {
      base = byOid.get(pack.subarray(at, at + 20).toString('hex'));
      at += 20;
    }
    const { data: buffer, consumed } = inflateStream(pack.subarray(at), size);
    at += consumed;
    let object: { type: string; data: Buffer };
    if (kind === 6 || kind === 7) {
      if (!base) throw new FerryError('git.failed', 'pack delta refers to a base that is not in the pack');
      object = { type: base.type, data: applyDelta(base.data, buffer) };
    } else {
      const type = TYPES[kind];
      if (!type) throw new FerryError('git.failed', `unknown object type ${kind} in pack`);
      object = { type, data: buffer };
    }
    const oid = objectId(object.type, object.data);
    byOffset.set(start, object);
    byOid.set(oid.toString('hex'), object);
    entries.push({ oid, offset: start, crc: crc32(pack.subarray(start, at)) });
  }
  entries.sort((a, b) => Buffer.compare(a.oid, b.oid));
  const fanout = Buffer.alloc(256 * 4);
  let k = 0;
  for (let b = 0; b < 256; b++) {
    while (k < entries.length && entries[k]!.oid[0]! <= b) k++;
    fanout.writeUInt32BE(k, b * 4);
  }
  const crcs = Buffer.alloc(entries.length * 4);
  const offsets = Buffer.alloc(entries.length * 4);
  entries.forEach((e, i) => {
    crcs.writeUInt32BE(e.crc, i * 4);
    if (e.offset >= 0x80000000) throw new FerryError('git.failed', 'pack larger than 2 GiB');
    offsets.writeUInt32BE(e.offset, i * 4);
  });
  const body = Buffer.concat([Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]), fanout, ...entries.map((e) => e.oid), crcs, offsets, trailer]);
  return { packName: trailer.toString('hex'), idx: Buffer.concat([body, createHash('sha1').update(body).digest()]), objects: byOid };
}

function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = delta[at++]!;
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  if (varint() !== base.length) throw new FerryError('git.failed', 'pack delta does not match its base');
  const out = Buffer.alloc(varint());
  let written = 0;
  while (at < delta.length) {
    const op = delta[at++]!;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) offset |= delta[at++]! << (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (1 << (4 + bit))) size |= delta[at++]! << (8 * bit);
      if (size === 0) size = 0x10000;
      written += base.copy(out, written, offset >>> 0, (offset >>> 0) + size);
    } else if (op > 0) {
      written += delta.copy(out, written, at, at + op);
      at += op;
    } else {
      throw new FerryError('git.failed', 'invalid pack delta instruction');
    }
  }
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  const native = (zlib as unknown as { crc32?: (d: Buffer) => number }).crc32;
  if (native) return native(data) >>> 0;
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
