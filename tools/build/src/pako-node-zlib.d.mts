// Types of pako-node-zlib.mjs (plain ESM: the bundle builders run with Node alone, no build step).
export function inflate(data: Uint8Array): Buffer;
export function deflate(data: Uint8Array): Buffer;
export class Inflate {
  result: Buffer | undefined;
  err: number;
  msg: string;
  strm: { avail_in: number };
  push(chunk: Uint8Array): boolean;
}
declare const pako: { inflate: typeof inflate; deflate: typeof deflate; Inflate: typeof Inflate };
export default pako;
