import { describe, expect, it } from 'vitest';
import { BlobCache } from './blob-cache.js';

describe('BlobCache', () => {
  it('gives back copies: a caller that changes its buffer changes nothing cached', () => {
    const cache = new BlobCache();
    const original = Buffer.from('a: 1\n');
    cache.set('oid-a', original);
    original.write('X');
    const first = cache.get('oid-a') as Buffer;
    expect(first.toString()).toBe('a: 1\n');
    first.write('Y');
    expect(cache.get('oid-a')?.toString()).toBe('a: 1\n');
    expect(cache.get('oid-b')).toBeUndefined();
  });

  it('holds no more memory than its blobs: a kept blob does not pin a chunk of the shared buffer pool', () => {
    const cache = new BlobCache();
    let content = 0;
    for (let i = 0; i < 1_000; i++) {
      // As in a render: small blobs between other short-lived allocations from the same pool.
      const blob = Buffer.from(`key-${i}: ${'x'.repeat(300)}\n`);
      Buffer.from('y'.repeat(1_000));
      cache.set(`oid-${i}`, blob);
      content += blob.byteLength;
    }
    expect(cache.retainedBytes).toBe(content);
    expect(cache.get('oid-7')?.toString()).toBe(`key-7: ${'x'.repeat(300)}\n`);
  });

  it('stays within its bytes, dropping the least recently used, and keeps no blob bigger than 1/64 of them', () => {
    const cache = new BlobCache(64 * 10);
    for (const id of ['1', '2', '3']) cache.set(id, Buffer.alloc(10, id));
    expect(cache.get('1')?.toString()).toBe('1'.repeat(10));
    cache.set('big', Buffer.alloc(11));
    expect(cache.get('big')).toBeUndefined();
    for (let i = 4; i <= 64; i++) cache.set(String(i), Buffer.alloc(10));
    // 64 blobs of 10 bytes fill 640: '1' was read after '2' and '3', so those went first.
    cache.set('65', Buffer.alloc(10));
    cache.set('66', Buffer.alloc(10));
    expect(cache.get('2')).toBeUndefined();
    expect(cache.get('3')).toBeUndefined();
    expect(cache.get('1')).toBeDefined();
    expect(cache.get('66')).toBeDefined();
  });
});
