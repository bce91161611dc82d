import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import type { TreeEntry } from 'isomorphic-git';
import { FerryError } from '@ferry/manifest-model';

/**
 * Git objects read and written with Node's zlib and SHA-1, in the shapes isomorphic-git uses
 * (TreeEntry, its commit layout), for the few objects a promotion touches. isomorphic-git does the
 * same in JavaScript (pako, its own tree parser and sort): for a directory of thousands of entries
 * that cost more CPU, and more memory for the JIT compiling it, than the rest of the edit.
 */

/** The entries of a tree object, as isomorphic-git's readTree gives them (mode `040000` for a tree). */
export function parseTree(data: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const nul = space < 0 ? -1 : data.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > data.length) throw new FerryError('git.failed', 'malformed tree object');
    const mode = normalMode(data.toString('latin1', at, space));
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ mode, path: data.toString('utf8', space + 1, nul), oid: data.toString('hex', nul + 1, nul + 21), type });
    at = nul + 21;
  }
  return entries;
}

/** A mode as isomorphic-git reads it (old repositories have modes like 100664 and 040000). */
function normalMode(raw: string): string {
  if (/^0?4/.test(raw)) return '040000';
  if (/^1006/.test(raw)) return '100644';
  if (/^1007/.test(raw)) return '100755';
  if (/^120/.test(raw)) return '120000';
  if (/^160/.test(raw)) return '160000';
  throw new FerryError('git.failed', `tree entry with unknown mode ${raw}`);
}

/** A tree object of `entries`, in git's order (a directory sorts as if its name ended in `/`). */
export function serializeTree(entries: readonly TreeEntry[]): Buffer {
  const key = (e: TreeEntry): Buffer => Buffer.from(e.type === 'tree' ? `${e.path}/` : e.path, 'utf8');
  const sorted = entries.map((e) => ({ e, k: key(e) })).sort((a, b) => Buffer.compare(a.k, b.k));
  return Buffer.concat(sorted.flatMap(({ e }) => [Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.path}\0`, 'utf8'), Buffer.from(e.oid, 'hex')]));
}

export interface Signature { name: string; email: string; timestamp: number; timezoneOffset: number }

/** A commit object laid out as isomorphic-git's writeCommit lays it out (no signature). */
export function serializeCommit(commit: { tree: string; parent: readonly string[]; author: Signature; committer: Signature; message: string }): Buffer {
  const person = (s: Signature): string => {
    // isomorphic-git's sign convention: timezoneOffset as Date#getTimezoneOffset (minutes west of UTC).
    const west = s.timezoneOffset;
    const minutes = Math.abs(west);
    const zone = `${west > 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
    return `${s.name} <${s.email}> ${s.timestamp} ${zone}`;
  };
  const message = `${commit.message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
  const headers = [`tree ${commit.tree}`, ...commit.parent.map((p) => `parent ${p}`), `author ${person(commit.author)}`, `committer ${person(commit.committer)}`];
  return Buffer.from(`${headers.join('\n')}\n\n${message}`, 'utf8');
}

/** The tree id a commit object names. */
export function commitTree(data: Buffer): string {
  const match = /^tree ([0-9a-f]{40})\n/.exec(data.toString('latin1', 0, 46));
  if (!match) throw new FerryError('git.failed', 'malformed commit object');
  return match[1]!;
}

/** An object's id, as the 20 bytes git's SHA-1 of its header and content gives. */
export function objectId(type: string, content: Buffer): Buffer {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest();
}

export function hashObject(type: string, content: Buffer): string {
  return objectId(type, content).toString('hex');
}

/**
 * Inflates the zlib stream at the start of `input` (what follows it is left alone, as in a pack):
 * its data, and how many bytes of `input` it took. `size`, when known (a pack entry's header says),
 * sizes the output buffer: the default 16 KiB per call dominated the cost of thousands of small
 * objects. Throws on corrupt data, and with code Z_BUF_ERROR when `input` ends before the stream.
 */
export function inflateStream(input: Uint8Array, size?: number): { data: Buffer; consumed: number } {
  const { buffer, engine } = zlib.inflateSync(input, { info: true, ...(size !== undefined ? { chunkSize: Math.max(64, size + 1) } : {}) }) as unknown as {
    buffer: Buffer; engine: { bytesWritten: number };
  };
  return { data: buffer, consumed: engine.bytesWritten };
}

/** Stores an object as a loose object (where isomorphic-git and git read them); returns its id. */
export async function writeLooseObject(gitdir: string, type: string, content: Buffer): Promise<string> {
  const oid = hashObject(type, content);
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  await mkdir(dir, { recursive: true });
  const deflated = zlib.deflateSync(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]));
  await writeFile(join(dir, oid.slice(2)), deflated, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    // Written before: the same id is the same content.
    if (err.code !== 'EEXIST') throw err;
  });
  return oid;
}

/** Object types by their number in a pack entry's header. */
export const PACK_TYPES: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** A pack (version 2, no deltas) of `objects`. */
export function buildPack(objects: readonly { type: string; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [header];
  for (const { type, data } of objects) {
    const kind = PACK_TYPES[type];
    if (!kind) throw new FerryError('git.failed', `cannot pack an object of type ${type}`);
    const bytes: number[] = [];
    let size = data.length;
    let byte = (kind << 4) | (size & 0x0f);
    size = Math.floor(size / 16);
    while (size > 0) {
      bytes.push(byte | 0x80);
      byte = size & 0x7f;
      size = Math.floor(size / 128);
    }
    bytes.push(byte);
    parts.push(Buffer.from(bytes), zlib.deflateSync(data));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
