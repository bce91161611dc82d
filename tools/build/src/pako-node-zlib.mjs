// What the bundles give isomorphic-git for `pako` (esbuild alias in build-bundle.mjs): the part of
// pako 1's API it calls (inflate, deflate, and the Inflate class its pack indexer pushes a pack
// through to find where each object's deflated data ends), done by Node's zlib. pako is zlib in
// JavaScript: indexing and reading a fetched pack was about a fifth of the agent's CPU before its
// first apply. Same bytes out; the same errors are thrown (pako throws a string, which
// isomorphic-git turns into its DecompressionError).
import { deflateSync, inflateSync } from 'node:zlib';

/** Data inflated, or pako's way of failing: a thrown string. */
export function inflate(data) {
  try {
    return inflateSync(data);
  } catch (err) {
    throw err.message;
  }
}

export function deflate(data) {
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
  constructor() {
    this.result = undefined;
    this.err = 0;
    this.msg = '';
    this.strm = { avail_in: 0 };
    this.chunks = [];
  }

  push(chunk) {
    this.chunks.push(chunk);
    const input = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
    try {
      const { buffer, engine } = inflateSync(input, { info: true });
      this.result = buffer;
      this.strm.avail_in = input.length - engine.bytesWritten;
      this.chunks = [];
      return true;
    } catch (err) {
      // Z_BUF_ERROR: the input ended before the stream did; wait for more.
      if (err.code === 'Z_BUF_ERROR') return false;
      this.err = typeof err.errno === 'number' && err.errno !== 0 ? err.errno : -3;
      this.msg = err.message;
      return false;
    }
  }
}

export default { inflate, deflate, Inflate };
