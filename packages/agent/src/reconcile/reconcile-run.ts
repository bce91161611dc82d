import { FerryError } from '@ferry/manifest-model';
import type { AppliedRecord, InventorySource } from '../plan/inventory.js';
import type { ObjectRef, RenderedObject } from '../plan/kube-object.js';
import type { GitSource, KubeApi, ObjectChange, Renderer, RenderTools, SyncReporter } from '../ports.js';
import type { ClassifiedError } from './classify-error.js';
import type { SyncState } from './inventory-store.js';
import type { InventoryWriter } from './inventory-writer.js';
import type { PendingRecovery } from './recover-inventory.js';
import type { PreparedObject } from './prepare-objects.js';
import type { PruneResult, SyncReport, SyncTarget } from './sync-report.js';
import type { HealthReport } from './wait-healthy.js';

/** The ports a reconcile runs against; the apps and the daemon build them from adapters. */
export interface ReconcileDeps {
  /** Every read, dry-run, write and prune of the Sync's objects: the Sync's ServiceAccount when it names one (impersonation). */
  kube: KubeApi;
  /**
   * The agent's own identity, for what the agent keeps about the Sync: its inventory ConfigMap and
   * its status. Defaults to `kube`. A tenant's ServiceAccount need not be allowed to write either.
   */
  stateKube?: KubeApi | undefined;
  source: GitSource;
  /** Turns the commit's files into objects (adapters/renderers/). */
  renderer: Renderer;
  /** Passed to the renderer: the binaries, and where it may write temporary files. */
  tools: RenderTools;
  tmpDir: string;
  now?: () => Date;
  /** Told when a revision starts applying and how each reconcile ended (commit statuses); never with dryRun. */
  reporter?: SyncReporter | undefined;
  /** Refuses a fetched head (commit signature verification, the daemon's signatures/); throws a FerryError. */
  verifyCommit?: ((target: SyncTarget, commit: string) => Promise<void>) | undefined;
}

export interface ReconcileOptions {
  /** Re-render and re-apply even when the head is unchanged (drift correction). */
  force?: boolean;
  /** Validate and compute changes only: nothing is written (`ferry-agent diff`). */
  dryRun?: boolean;
  concurrency?: number;
  /** Overrides spec.timeout for the health wait. */
  healthTimeoutMs?: number;
  /**
   * The inventory as the caller read it right before this reconcile (the daemon reads it to tell
   * drift): used instead of reading it again. Only this reconcile writes it meanwhile.
   */
  state?: SyncState;
}

/** What the plan step decided: the objects to apply and what to prune. */
export interface RevisionPlan {
  prepared: PreparedObject[];
  desired: ObjectRef[];
  /** Inventory objects the revision no longer has, to delete. */
  candidates: ObjectRef[];
  /** Found by owner labels on a lost inventory: kept this run, reported as not pruned. */
  recoveredSkips: PruneResult['skipped'];
}

/**
 * One reconcile in progress: its inputs, then what each step found, in step order. Steps read what
 * earlier steps left here and add their own; `summarizeRun` turns it into the outcome.
 */
export interface ReconcileRun {
  readonly target: SyncTarget;
  readonly deps: ReconcileDeps;
  readonly options: ReconcileOptions;
  readonly report: SyncReport;
  /** Recorded on the inventory with every write; compared with what it records before any. */
  readonly source: InventorySource;
  readonly specHash: string;
  readonly concurrency: number;
  /** fetch: the remote head. */
  head?: string;
  /** fetch: the head is applied and healthy with this spec: nothing else runs. */
  unchanged?: boolean;
  /** fetch: the inventory, and the one writer of its ConfigMap. */
  inventory?: InventoryWriter;
  /** fetch: the owner-label search of an empty inventory, under way; plan finishes it. */
  recovery?: PendingRecovery;
  /** render */
  rendered?: RenderedObject[];
  /** plan */
  plan?: RevisionPlan;
  /** apply: objects written so far, recorded in the inventory even when a later write fails. */
  applied: ObjectRef[];
  /** apply: per object found unchanged or written, its resourceVersion and applied hash (for the inventory). */
  records: Map<string, AppliedRecord>;
  /** apply: per object, with health as the apply left it. */
  changes?: ObjectChange[];
  /** prune: the inventory after this revision (desired, plus deletes that failed or were blocked). */
  kept?: ObjectRef[];
  /** health */
  health?: HealthReport;
  healthTimeoutMs?: number;
  /** The error that ended the run, classified. */
  failure?: ClassifiedError;
}

/**
 * One step of the reconcile. Returns 'done' when nothing further should run (head unchanged, dry
 * run complete); throws a FerryError to end the reconcile with that error's outcome.
 */
export type ReconcileStep = (run: ReconcileRun) => Promise<'done' | void>;

/** The client for the inventory ConfigMap and the Sync status (the agent's own identity). */
export function stateKubeOf(deps: ReconcileDeps): KubeApi {
  return deps.stateKube ?? deps.kube;
}

/** What an earlier step must have left; a step run out of order is a bug, not a user error. */
export function needs<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new FerryError('internal', `reconcile step run before ${what} was known`);
  return value;
}
