/**
 * Blob contents by object id, for the git source's file reads: a blob id names its content, so a
 * revision that changes one file of 1,000 inflates one blob instead of 1,000 (isomorphic-git
 * inflates every read from the pack again; that was half of a plain render's CPU). Bounded by bytes,
 * least recently used dropped first. Callers get copies: nothing they do reaches the cache.
 *
 * Each kept blob is a copy in memory of its own, exactly its size: a copy from Node's shared 8 KiB
 * buffer pool would keep that whole pool chunk alive, and with it whatever else was allocated there
 * (500 Syncs of 20 small files: 20 MB held for 3.5 MB of blobs).
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

  /** The memory the kept blobs hold alive: the bytes of every buffer under them, each counted once. */
  get retainedBytes(): number {
    const held = new Set<ArrayBufferLike>();
    for (const entry of this.entries.values()) held.add(entry.buffer);
    return [...held].reduce((sum, buffer) => sum + buffer.byteLength, 0);
  }

  set(oid: string, content: Uint8Array): void {
    // Big blobs (charts, vendored files) would push out many small manifests: not kept.
    if (this.entries.has(oid) || content.byteLength > this.maxBytes / 64) return;
    const copy = Buffer.allocUnsafeSlow(content.byteLength);
    copy.set(content);
    this.entries.set(oid, copy);
    this.bytes += content.byteLength;
    for (const [oldest, dropped] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= dropped.byteLength;
    }
  }
}
