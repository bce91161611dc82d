/**
 * Blob contents by object id, for the git source's file reads: a blob id names its content, so a
 * revision that changes one file of 1,000 inflates one blob instead of 1,000 (isomorphic-git
 * inflates every read from the pack again; that was half of a plain render's CPU). Bounded by bytes,
 * least recently used dropped first. Callers get copies: nothing they do reaches the cache.
 */
export class BlobCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  get(oid: string): Buffer | undefined {
    const hit = this.entries.get(oid);
    if (!hit) return undefined;
    this.entries.delete(oid);
    this.entries.set(oid, hit);
    return Buffer.from(hit);
  }

  set(oid: string, content: Uint8Array): void {
    // Big blobs (charts, vendored files) would push out many small manifests: not kept.
    if (this.entries.has(oid) || content.byteLength > this.maxBytes / 64) return;
    this.entries.set(oid, Buffer.from(content));
    this.bytes += content.byteLength;
    for (const [oldest, dropped] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= dropped.byteLength;
    }
  }
}
