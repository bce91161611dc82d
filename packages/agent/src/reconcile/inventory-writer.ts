import type { AppliedRecord, InventorySource } from '../plan/inventory.js';
import { uniqueRefs } from '../plan/inventory.js';
import type { ObjectRef } from '../plan/kube-object.js';
import type { KubeApi } from '../ports.js';
import type { SyncIdentity } from '../sync/labels.js';
import { saveSyncState, type SyncState } from './inventory-store.js';

/**
 * The one writer of a Sync's inventory ConfigMap during a reconcile. It keeps the state as last
 * written (or loaded), so each write is compared with it and only a change is written.
 */
export class InventoryWriter {
  #state: SyncState;

  constructor(private readonly kube: KubeApi, private readonly sync: SyncIdentity, private readonly source: InventorySource, loaded: SyncState) {
    this.#state = loaded;
  }

  get state(): SyncState {
    return this.#state;
  }

  /**
   * Takes refs found by owner labels as the inventory for this run (a lost inventory): in memory
   * only; the next write records them.
   */
  useRecovered(refs: readonly ObjectRef[]): void {
    this.#state = { ...this.#state, inventory: [...refs] };
  }

  /** How many objects the inventory names once `refs` are added. */
  sizeWith(refs: readonly ObjectRef[]): number {
    return uniqueRefs([...this.#state.inventory, ...refs]).length;
  }

  /**
   * Adds objects about to be written (write-ahead) or just written, marked not healthy; writes
   * nothing when they are all named already. A crash between two writes of objects then never
   * leaves an object a later revision could not prune.
   */
  async track(refs: readonly ObjectRef[]): Promise<void> {
    const inventory = uniqueRefs([...this.#state.inventory, ...refs]);
    if (inventory.length === this.#state.inventory.length) return;
    await this.#write({ ...this.#state, source: this.source, inventory, healthy: false });
  }

  /** The revision's end: what it left in the cluster, the revision and spec, and whether healthy. */
  async record(result: { inventory: ObjectRef[]; lastAppliedRevision: string; specHash: string; healthy: boolean; records?: ReadonlyMap<string, AppliedRecord> }): Promise<void> {
    await this.#write({ source: this.source, ...result });
  }

  async #write(next: SyncState): Promise<void> {
    await saveSyncState(this.kube, this.sync, next, this.#state);
    this.#state = next;
  }
}
