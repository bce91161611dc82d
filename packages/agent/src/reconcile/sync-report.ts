/**
 * What goes into a reconcile (SyncTarget) and what comes out (SyncReport): plain data, shared by the
 * reconcile steps, the ports (a reporter is told about reports) and the apps that print them.
 */
import type { Health } from '../plan/assess-health.js';
import type { ObjectRef } from '../plan/kube-object.js';
import type { GitCredentials } from '../sync/git-credentials.js';
import type { SyncIdentity } from '../sync/labels.js';
import type { SyncSpec } from '../sync/sync-spec.js';
import type { SyncOutcome, SyncStatus } from './sync-status.js';

/** One Sync to reconcile: from a Sync object, or from command-line flags (`fromObject: false`). */
export interface SyncTarget {
  identity: SyncIdentity;
  spec: SyncSpec;
  /** True when a Sync object exists: its status is written. */
  fromObject: boolean;
  generation?: number;
  status?: SyncStatus;
  credentials?: GitCredentials;
  /** Flag mode (`--helm-registry-config`): the registry config for the oci:// chart, cut to its host. */
  registryConfig?: string;
  /**
   * The source id (printed by an `inventory.foreign` refusal) of an inventory this target may take
   * over on purpose: `--adopt-inventory ID`, or the Sync's `ferry.dev/adopt-inventory` annotation.
   */
  adoptInventory?: string;
}

export type ObjectAction = 'create' | 'configure' | 'unchanged' | 'recreate';

export interface ObjectChange {
  ref: ObjectRef;
  action: ObjectAction;
  /** Paths that change (configure), for `diff`. */
  paths?: string[];
  /**
   * Health of the object as the server has it after apply (or would, for a dry run). Only the
   * verdict is kept, not the object: holding thousands of full objects is what made memory peak.
   */
  health?: Health;
}

export interface PruneResult {
  deleted: ObjectRef[];
  /**
   * Left in the cluster, with why. `skip` (not ours any more, or `ferry.dev/prune: disabled`) and
   * `release` (adopted or protected: owner labels removed) leave the inventory; `block` (deleting it
   * would destroy data) stays in the inventory, so a later sync deletes it once allowed.
   */
  skipped: Array<{ ref: ObjectRef; reason: string; action?: 'skip' | 'release' | 'block' }>;
  /** Deletes that failed: they stay in the inventory so the next sync tries again. */
  failed: Array<{ ref: ObjectRef; message: string }>;
}

export interface SyncReport {
  sync: SyncIdentity;
  outcome: SyncOutcome;
  reason: string;
  message: string;
  revision?: string;
  /** Per object: create / configure / unchanged / recreate. */
  changes: Array<Omit<ObjectChange, 'health'>>;
  prune: PruneResult;
  inventorySize: number;
  error?: { code: string; file?: string; line?: number };
  /** The status written (or that would be written) to the Sync object. */
  status: SyncStatus;
  statusWritten: boolean;
  durationMs: number;
}

/** The part of a target a reporter or a status writer needs (an invalid Sync has no spec). */
export type ReportedTarget = Pick<SyncTarget, 'identity'> & Partial<Pick<SyncTarget, 'spec'>>;
