import type { HttpClient } from 'isomorphic-git';
import { FerryError } from '@ferry/manifest-model';
import { endsWithFlush } from './pkt-line.js';
import { redactUrl } from './redact-url.js';

/**
 * isomorphic-git reads a truncated protocol v2 ls-refs answer as "no refs", which would turn a
 * cut connection into "branch not found". A complete answer ends with a flush packet; this client
 * insists on it (a transient `git.network` error otherwise). Upload-pack requests are buffered to
 * see which command they carry; they are small.
 */
export function requireCompleteRefListing(http: HttpClient): HttpClient {
  return {
    async request(req) {
      if (req.method !== 'POST' || !req.url.endsWith('/git-upload-pack') || !req.body) return http.request(req);
      const sent: Uint8Array[] = [];
      for await (const chunk of req.body as AsyncIterable<Uint8Array>) sent.push(chunk);
      const requestBody = Buffer.concat(sent);
      const res = await http.request({ ...req, body: [new Uint8Array(requestBody)] as unknown as AsyncIterableIterator<Uint8Array> });
      if (!requestBody.includes('command=ls-refs') || !res.body || res.statusCode !== 200) return res;
      const received: Uint8Array[] = [];
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) received.push(chunk);
      const answer = Buffer.concat(received);
      if (!endsWithFlush(answer)) throw new FerryError('git.network', `incomplete ref listing from ${redactUrl(req.url)} (connection cut?)`);
      return { ...res, body: [new Uint8Array(answer)] as unknown as AsyncIterableIterator<Uint8Array> };
    },
  };
}
