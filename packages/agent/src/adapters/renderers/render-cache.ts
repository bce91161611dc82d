import type { RenderedObject } from '../../plan/kube-object.js';

/**
 * Plain renders remembered by repository, commit and path. A commit's files never change, so the
 * daemon's drift check of an unchanged head (every interval) reads and parses nothing again: at
 * 1,000 objects that was most of the check. Only plain renders: kustomize and helm may read what
 * is not in the commit (remote bases, charts, the cluster's capabilities). Bounded by the objects
 * held (oldest render dropped first); objects are frozen, so no reconcile can change another's.
 */
export class RenderCache {
  private readonly entries = new Map<string, readonly RenderedObject[]>();
  private held = 0;

  constructor(private readonly maxObjects = 20_000) {}

  get(key: string): readonly RenderedObject[] | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last: eviction takes the first.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, objects: readonly RenderedObject[]): void {
    if (objects.length > this.maxObjects || this.entries.has(key)) return;
    for (const item of objects) deepFreeze(item);
    this.entries.set(key, objects);
    this.held += objects.length;
    for (const [oldest, dropped] of this.entries) {
      if (this.held <= this.maxObjects) break;
      this.entries.delete(oldest);
      this.held -= dropped.length;
    }
  }
}

export function renderCacheKey(url: string, commit: string, path: string, mode: string): string {
  return JSON.stringify([url, commit, path, mode]);
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
