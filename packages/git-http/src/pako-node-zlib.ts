// What the bundles give isomorphic-git for `pako` (an esbuild alias, tools/build/build-bundle.mjs):
// the part of pako 1's API it calls (inflate, deflate, and the Inflate class its pack indexer pushes
// a pack through to find where each object's deflated data ends), done by Node's zlib. pako is zlib
// in JavaScript: indexing and reading a fetched pack was about a fifth of the agent's CPU before its
// first apply. Same bytes out; failures as pako reports them (inflate throws a string, which
// isomorphic-git turns into its DecompressionError; Inflate sets err and msg).
import { deflateSync, inflateSync } from 'node:zlib';
import { inflateStream } from './git-objects.js';

export function inflate(data: Uint8Array): Buffer {
  try {
    return inflateSync(data);
  } catch (err) {
    throw (err as Error).message;
  }
}

export function deflate(data: Uint8Array): Buffer {
  return deflateSync(data);
}

/**
 * A zlib stream fed chunk by chunk. `result` is set once the stream has ended; `strm.avail_in` is
 * then how many bytes of the last chunk come after it (the indexer steps back by that much).
 * `err`/`msg` are set on corrupt data. A stream not ended yet keeps its chunks and is inflated
 * again from its start with the next one (isomorphic-git pushes the rest of a pack at once, so
 * that does not happen there).
 */
export class Inflate {
  result: Buffer | undefined = undefined;
  err = 0;
  msg = '';
  readonly strm = { avail_in: 0 };
  private chunks: Uint8Array[] = [];

  push(chunk: Uint8Array): boolean {
    this.chunks.push(chunk);
    const input = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
    try {
      const { data, consumed } = inflateStream(input);
      this.result = data;
      this.strm.avail_in = input.length - consumed;
      this.chunks = [];
      return true;
    } catch (err) {
      const failure = err as Error & { code?: string; errno?: number };
      // Z_BUF_ERROR: the input ended before the stream did; wait for more.
      if (failure.code === 'Z_BUF_ERROR') return false;
      this.err = typeof failure.errno === 'number' && failure.errno !== 0 ? failure.errno : -3;
      this.msg = failure.message;
      return false;
    }
  }
}

export default { inflate, deflate, Inflate };
