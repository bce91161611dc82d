/**
 * The webhook replay guard across replicas: each accepted delivery is recorded as a Lease named by
 * its replayKey in the agent's namespace, created if absent. The API server decides: the one
 * replica whose create succeeds accepts; every other create of the same key gets 409 AlreadyExists
 * and answers "replayed", whichever replica the delivery reaches. Records expire after the window
 * (24 h, by the server's own creationTimestamp, so no replica's clock matters) and are swept.
 */
import type { KubeObject } from '../plan/kube-object.js';
import { KubeApiError, type KubeWatchApi } from '../ports.js';
import { ReplayGuard } from './github-webhook.js';

export const ReplayRecordLabel = 'ferry.dev/webhook-replay';
const LeaseApiVersion = 'coordination.k8s.io/v1';

export interface SharedReplayGuardOptions {
  kube: Pick<KubeWatchApi, 'create' | 'get' | 'delete' | 'listForWatch'>;
  /** The agent's own namespace (its leader Lease's). */
  namespace: string;
  /** This replica, recorded as the Lease's holder (for people reading the records). */
  identity: string;
  windowMs?: number;
  /** How often a delivery may trigger a sweep of expired records (default 1 h). */
  sweepEveryMs?: number;
  now?: () => number;
  /** The API server could not record a delivery: the in-process guard answered alone. */
  onFallback?: (error: unknown) => void;
}

export class SharedReplayGuard {
  readonly #options: SharedReplayGuardOptions & { windowMs: number; sweepEveryMs: number; now: () => number };
  /** Answers at once for what this replica saw, and stands in when the API server cannot be asked. */
  readonly #local: ReplayGuard;
  #lastSweep = 0;

  constructor(options: SharedReplayGuardOptions) {
    this.#options = { windowMs: 24 * 3_600_000, sweepEveryMs: 3_600_000, now: Date.now, ...options };
    this.#local = new ReplayGuard(this.#options.windowMs, 10_000, this.#options.now);
  }

  /** The Lease that records `key` (a sha256 hex digest). */
  static recordName(key: string): string {
    return `ferry-webhook-${key}`;
  }

  /** True the first time `key` is seen by any replica within the window. */
  async accept(key: string): Promise<boolean> {
    if (!this.#local.accept(key)) return false;
    await this.#sweep();
    try {
      if (await this.#create(key)) return true;
      // Already recorded: a replay, unless the record outlived the window and was not swept yet.
      const existing = await this.#options.kube.get(this.#ref(key));
      if (existing && !this.#expired(existing)) return false;
      if (existing) await this.#options.kube.delete(this.#ref(key));
      return await this.#create(key);
    } catch (error) {
      // Forbidden (RBAC without leases), the API server down: this replica's memory still refuses
      // what it saw itself; a reconcile requested twice only fetches what Git holds anyway.
      this.#options.onFallback?.(error);
      return true;
    }
  }

  /** False on 409 AlreadyExists. */
  async #create(key: string): Promise<boolean> {
    const lease: KubeObject = {
      apiVersion: LeaseApiVersion, kind: 'Lease',
      metadata: { name: SharedReplayGuard.recordName(key), namespace: this.#options.namespace, labels: { [ReplayRecordLabel]: 'true' } },
      spec: { holderIdentity: this.#options.identity, leaseDurationSeconds: Math.round(this.#options.windowMs / 1000) },
    };
    try {
      await this.#options.kube.create(lease);
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 'kube.conflict') return false;
      throw error;
    }
  }

  #ref(key: string) {
    return { apiVersion: LeaseApiVersion, kind: 'Lease', namespace: this.#options.namespace, name: SharedReplayGuard.recordName(key) };
  }

  #expired(record: KubeObject): boolean {
    const created = Date.parse(String(record.metadata.creationTimestamp ?? ''));
    return Number.isFinite(created) && this.#options.now() - created >= this.#options.windowMs;
  }

  /** At most once per sweepEveryMs: deletes this namespace's replay records older than the window. */
  async #sweep(): Promise<void> {
    const now = this.#options.now();
    if (now - this.#lastSweep < this.#options.sweepEveryMs) return;
    this.#lastSweep = now;
    try {
      const { items } = await this.#options.kube.listForWatch(LeaseApiVersion, 'Lease', { namespace: this.#options.namespace });
      for (const item of items) {
        if (item.metadata.labels?.[ReplayRecordLabel] !== 'true' || !this.#expired(item)) continue;
        await this.#options.kube.delete({ apiVersion: LeaseApiVersion, kind: 'Lease', namespace: this.#options.namespace, name: item.metadata.name });
      }
    } catch (error) {
      this.#options.onFallback?.(error);
    }
  }
}
