import { createHash } from 'node:crypto';
import type { HttpClient } from 'isomorphic-git';
import { FerryError } from '@ferry/manifest-model';
import { FLUSH_PKT, parsePktLines, pktLine } from './pkt-line.js';
import { excerptResponse } from './response-excerpt.js';

export interface RefUpdate {
  /** 40 zeros: the ref must not exist yet. */
  old: string;
  /** 40 zeros: delete the ref. */
  new: string;
  ref: string;
}

/** The object id that stands for "no object": as `old`, the ref must not exist; as `new`, delete it. */
export const ZERO_OID = '0'.repeat(40);

/**
 * One smart-HTTP receive-pack request: our ref updates with the old ids *we* based them on (git
 * receive-pack compares and swaps them atomically) and a pack of exactly the objects we wrote.
 * isomorphic-git's own push re-discovers the old id (so it would overwrite a moved branch) and
 * walks the whole tree to work out what to send; for a one-file edit in a 3,000-file repo that
 * walk costs more than the rest of the promotion.
 */
export async function sendReceivePack(
  http: HttpClient, options: { url: string; headers: Record<string, string>; update: RefUpdate; pack: Uint8Array | null },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { update } = options;
  const command = pktLine(`${update.old} ${update.new} ${update.ref}\0report-status${update.new === ZERO_OID ? ' delete-refs' : ''} agent=ferry\n`);
  const body = Buffer.concat([command, Buffer.from(FLUSH_PKT), ...(options.pack && update.new !== ZERO_OID ? [Buffer.from(options.pack)] : [])]);
  const res = await http.request({
    url: `${options.url.replace(/\/+$/, '')}/git-receive-pack`,
    method: 'POST',
    headers: {
      ...options.headers,
      'content-type': 'application/x-git-receive-pack-request',
      accept: 'application/x-git-receive-pack-result',
      'content-length': String(body.length),
    },
    body: [new Uint8Array(body)] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  const chunks: Uint8Array[] = [];
  if (res.body) for await (const chunk of res.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
  const answer = Buffer.concat(chunks);
  if (res.statusCode !== 200) {
    // The status line only (the body of an error page stays out of the message).
    throw Object.assign(new Error(`HTTP ${res.statusCode} ${excerptResponse(res.statusMessage ?? '', 80)}`.trim()), { code: 'HttpError', data: { statusCode: res.statusCode, statusMessage: res.statusMessage } });
  }
  const lines = parsePktLines(answer);
  const unpack = lines.find((l) => l.startsWith('unpack '));
  if (unpack !== 'unpack ok') {
    // A cut or garbled answer is not a verdict on our update: let the caller retry.
    throw new FerryError('git.network', `push to ${update.ref}: ${unpack ? `server could not unpack: ${excerptResponse(unpack)}` : 'incomplete answer from receive-pack'}`);
  }
  const status = lines.find((l) => l.startsWith(`ok ${update.ref}`) || l.startsWith(`ng ${update.ref}`));
  if (!status) throw new FerryError('git.network', `push to ${update.ref}: no status for the ref in the answer`);
  if (status.startsWith('ok ')) return { ok: true };
  const reason = excerptResponse(status.slice(`ng ${update.ref} `.length));
  if (/hook declined|protected|denied|not allowed/i.test(reason)) {
    throw new FerryError('git.push-declined', `push to ${update.ref} declined by the server: ${reason}`, { hint: 'check branch protection and hooks on the server' });
  }
  return { ok: false, reason };
}

/** A pack with no objects: the header and trailer git expects when an update needs nothing new. */
export function emptyPack(): Uint8Array {
  const header = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  return new Uint8Array(Buffer.concat([header, createHash('sha1').update(header).digest()]));
}
