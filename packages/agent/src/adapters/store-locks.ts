/**
 * Many readers or one writer per key, first come first served: a writer waits for the readers
 * before it, and readers that come after a waiting writer wait for it (no writer starves).
 *
 * Why: the agent keeps one git store per repository, shared by every Sync of it. isomorphic-git
 * writes a store with plain file writes, so a read during a fetch can see a half-written pack index
 * and two fetches at once can lose a remote or an object (git-source-concurrency.test.ts).
 */
export class ReadWriteLocks {
  private readonly locks = new Map<string, KeyLock>();

  read<T>(key: string, run: () => Promise<T>): Promise<T> {
    return this.hold(key, 'read', run);
  }

  write<T>(key: string, run: () => Promise<T>): Promise<T> {
    return this.hold(key, 'write', run);
  }

  private async hold<T>(key: string, mode: Mode, run: () => Promise<T>): Promise<T> {
    let lock = this.locks.get(key);
    if (!lock) this.locks.set(key, (lock = new KeyLock()));
    await lock.acquire(mode);
    try {
      return await run();
    } finally {
      lock.release(mode);
      if (lock.idle) this.locks.delete(key);
    }
  }
}

type Mode = 'read' | 'write';

class KeyLock {
  private readers = 0;
  private writing = false;
  private readonly waiting: Array<{ mode: Mode; start: () => void }> = [];

  get idle(): boolean {
    return this.readers === 0 && !this.writing && this.waiting.length === 0;
  }

  acquire(mode: Mode): Promise<void> {
    return new Promise((start) => {
      this.waiting.push({ mode, start });
      this.admit();
    });
  }

  release(mode: Mode): void {
    if (mode === 'write') this.writing = false;
    else this.readers--;
    this.admit();
  }

  /** Starts waiters in order: any number of readers together, a writer alone. */
  private admit(): void {
    while (!this.writing && this.waiting.length > 0) {
      const next = this.waiting[0]!;
      if (next.mode === 'write') {
        if (this.readers > 0) return;
        this.writing = true;
      } else {
        this.readers++;
      }
      this.waiting.shift();
      next.start();
    }
  }
}
