import { createHash } from 'node:crypto';
import type { GitCredentials, GitSource } from '../adapters/git-source.js';
import type { KubeApi } from '../adapters/kube-client.js';
import { renderSource, type RenderTools } from '../adapters/renderers/render-source.js';
import { describeObject, formatObjectKey, type ObjectRef } from '../plan/kube-object.js';
import { checkInventoryOwner, inventorySource, sameSource, uniqueRefs } from '../plan/inventory.js';
import { checkPruneGuards, findPruneCandidates } from '../plan/plan-prune.js';
import { SyncApiVersion, SyncKind, parseDuration, type SyncSpec } from '../sync/sync-spec.js';
import { AdoptInventoryAnnotation, AnyOwnerSelector, ownerKindOf, type SyncIdentity } from '../sync/labels.js';
import { applyObjects, type ObjectChange } from './apply-objects.js';
import { classifyError } from './classify-error.js';
import { checkInventoryWritable, describeInventory, loadSyncMarker, loadSyncState, saveSyncState, type SyncState } from './inventory-store.js';
import { prepareObjects, type PreparedObject } from './prepare-objects.js';
import { pruneObjects, type PruneResult } from './prune-objects.js';
import { recoverInventory } from './recover-inventory.js';
import { AgentReason, summarizeStatus, type OutcomeSummary, type SyncOutcome, type SyncStatus } from './sync-status.js';
import { describeUnhealthy, waitHealthy } from './wait-healthy.js';
import type { SyncReporter } from '../reporting/sync-reporter.js';

/** One Sync to reconcile: from a Sync object, or from command-line flags (`fromObject: false`). */
export interface SyncTarget {
  identity: SyncIdentity;
  spec: SyncSpec;
  /** True when a Sync object exists: its status is written. */
  fromObject: boolean;
  generation?: number;
  status?: SyncStatus;
  credentials?: GitCredentials;
  /**
   * The source id (printed by an `inventory.foreign` refusal) of an inventory this target may take
   * over on purpose: `--adopt-inventory ID`, or the Sync's `ferry.dev/adopt-inventory` annotation.
   */
  adoptInventory?: string;
}

export interface ReconcileDeps {
  kube: KubeApi;
  source: GitSource;
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

const emptyPrune = (): PruneResult => ({ deleted: [], skipped: [], failed: [] });

/**
 * One reconcile: guard clauses, then fetch -> verify -> render -> plan -> apply -> prune -> health,
 * then one place that summarises status. Any failure before apply changes nothing in the cluster.
 */
export async function reconcileSync(target: SyncTarget, deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<SyncReport> {
  const started = Date.now();
  const { spec, identity } = target;
  const report: SyncReport = {
    sync: identity, outcome: 'Failed', reason: '', message: '', changes: [], prune: emptyPrune(),
    inventorySize: target.status?.inventorySize ?? 0, status: target.status ?? {}, statusWritten: false, durationMs: 0,
  };
  let state: SyncState | undefined;
  // Recorded on the inventory with every write below; compared with what it records before any.
  const source = inventorySource(ownerKindOf(identity), spec.url, spec.path);
  let appliedSoFar: ObjectRef[] = [];
  let summary: OutcomeSummary;
  try {
    if (spec.suspend) {
      summary = { outcome: 'Suspended', reason: AgentReason.Suspended, message: 'spec.suspend is true: nothing fetched or applied' };
      return await finish(target, deps, options, report, summary, started);
    }
    // fetch: ask the remote for its head first; skip everything when nothing changed.
    const head = await deps.source.resolveRemote(spec.url, spec.ref, target.credentials);
    report.revision = head;
    const specHash = hashSpec(spec);
    const generationSeen = target.generation === undefined || target.status?.observedGeneration === target.generation;
    if (!options.force && !options.dryRun && generationSeen) {
      const marker = await loadSyncMarker(deps.kube, identity);
      if (marker.healthy && marker.lastAppliedRevision === head && marker.specHash === specHash && marker.source && sameSource(marker.source, source)) {
        report.inventorySize = marker.inventorySize ?? report.inventorySize;
        summary = { outcome: 'Unchanged', reason: AgentReason.ReconciliationSucceeded, message: `revision ${short(head)} is applied and healthy; the remote head is unchanged`, attemptedRevision: head, appliedRevision: head, inventorySize: report.inventorySize };
        return await finish(target, deps, options, report, summary, started);
      }
    }
    state = await loadSyncState(deps.kube, identity);
    // Whose inventory this is, and whether it can be written at all: both before the first write.
    checkInventoryOwner({
      exists: state.exists ?? true, recorded: state.source, current: source, inventory: describeInventory(identity), adopt: target.adoptInventory,
      // Applied, not attempted: a refusal records an attempt, and must not turn into consent next time.
      appliedBefore: Boolean(target.status?.lastAppliedRevision),
      howToAdopt: (id) => (target.fromObject
        ? `annotate the Sync: kubectl annotate sync ${identity.name} -n ${identity.namespace} ${AdoptInventoryAnnotation}=${id}`
        : `re-run with --adopt-inventory ${id}`),
    });
    if (!state.exists) await checkInventoryWritable(deps.kube, identity);
    report.inventorySize = state.inventory.length;
    if (!options.dryRun) await deps.reporter?.applying(target, head);
    await deps.source.fetchCommit(spec.url, spec.ref, head, target.credentials);
    // verify
    await deps.verifyCommit?.(target, head);

    // render
    const rendered = await renderSource({
      source: deps.source, url: spec.url, commit: head, path: spec.path, mode: spec.render,
      // The release is named after the Sync unless the spec names it.
      helm: { valuesFiles: [], ...spec.helm, releaseName: spec.helm?.releaseName ?? identity.name }, kustomize: spec.kustomize,
      namespace: spec.namespace ?? identity.namespace, tools: deps.tools, tmpDir: deps.tmpDir,
    });

    // plan
    const prepared = await prepareObjects(rendered.objects, identity, spec.namespace ?? identity.namespace, (v, k) => deps.kube.scopeOf(v, k));
    const desired = prepared.map((p) => p.ref);
    const concurrency = options.concurrency ?? 16;
    // A lost inventory (deleted by hand; or this Sync's first run): find what still carries this
    // Sync's owner labels, so nothing it applied is silently forgotten. What the revision no longer
    // has is kept this time and recorded: nothing is deleted on a guessed inventory.
    let recoveredKept: ObjectRef[] = [];
    if (spec.prune && state.inventory.length === 0) {
      const namespaces = [identity.namespace, spec.namespace ?? identity.namespace, ...desired.map((r) => r.namespace)].filter((n) => n !== '');
      const recovered = await recoverInventory(deps.kube, identity, { namespaces, concurrency });
      if (recovered.refs.length) {
        state = { ...state, inventory: recovered.refs };
        recoveredKept = findPruneCandidates(recovered.refs, desired);
      }
    }
    checkPruneGuards(state.inventory, desired, spec);
    const kept = new Set(recoveredKept.map(formatObjectKey));
    const candidates = spec.prune ? findPruneCandidates(state.inventory, desired).filter((ref) => !kept.has(formatObjectKey(ref))) : [];
    const recoveredSkips = recoveredKept.map((ref) => ({ ref, action: 'block' as const, reason: `${describeObject(ref)} carries this Sync's owner labels but the inventory was missing: kept and recorded; a later revision without it prunes it` }));

    // apply
    const before = state;
    const changes = await applyObjects(deps.kube, prepared, {
      concurrency, dryRun: options.dryRun ?? false, onApplied: (c) => appliedSoFar.push(c.ref), sync: identity, ownerSelector: AnyOwnerSelector,
      // Write-ahead: the inventory names every object before it is written. A crash (SIGKILL, API
      // server gone) between two writes then leaves no object a later revision could not prune.
      beforeWrites: async (refs) => {
        const ahead = uniqueRefs([...before.inventory, ...refs]);
        if (ahead.length === before.inventory.length) return;
        const next = { ...before, source, inventory: ahead, healthy: false };
        // A failed write-ahead stops the apply before its first write (the state namespace was checked
        // above, so a missing one never gets here): no object is ever written that no inventory names.
        await saveSyncState(deps.kube, identity, next, before);
        state = next;
      },
    });
    report.changes = changes.map(({ health: _health, ...rest }) => rest);
    if (options.dryRun) {
      report.prune = await pruneObjects(deps.kube, candidates, identity, { concurrency, dryRun: true });
      report.prune.skipped.push(...recoveredSkips);
      const changed = report.changes.filter((c) => c.action !== 'unchanged').length + report.prune.deleted.length;
      summary = { outcome: changed ? 'Applied' : 'Unchanged', reason: AgentReason.Progressing, message: `dry run of ${short(head)}: ${describeCounts(report)}` };
      return await finish(target, deps, options, report, summary, started);
    }
    // Track new objects before pruning, so a crash from here on never leaves them unknown.
    const grown = uniqueRefs([...state.inventory, ...appliedSoFar]);
    if (grown.length > state.inventory.length) {
      await saveSyncState(deps.kube, identity, { ...state, source, inventory: grown, healthy: false }, state);
      state = { ...state, source, inventory: grown, healthy: false };
    }
    appliedSoFar = [];

    // prune
    report.prune = await pruneObjects(deps.kube, candidates, identity, { concurrency });
    report.prune.skipped.push(...recoveredSkips);
    // Blocked prunes stay in the inventory (still ours): a later sync deletes them once allowed.
    const inventory = uniqueRefs([...desired, ...report.prune.failed.map((f) => f.ref), ...report.prune.skipped.filter((s) => s.action === 'block').map((s) => s.ref)]);
    report.inventorySize = inventory.length;

    // health
    const timeoutMs = options.healthTimeoutMs ?? parseDuration(spec.timeout);
    const health = await waitHealthy(deps.kube, changes.map((c) => ({ ref: c.ref, ...(c.health ? { health: c.health } : {}) })), { timeoutMs, concurrency });
    await saveSyncState(deps.kube, identity, { source, inventory, lastAppliedRevision: head, specHash, healthy: health.healthy && !report.prune.failed.length }, state);

    const counts = describeCounts(report);
    if (report.prune.failed.length) {
      const failed = report.prune.failed.slice(0, 3).map((f) => f.message).join('; ');
      summary = { outcome: 'Failed', reason: AgentReason.PruneFailed, message: `applied ${short(head)} (${counts}) but ${report.prune.failed.length} delete(s) failed and stay in the inventory: ${failed}`, attemptedRevision: head, appliedRevision: head, inventorySize: inventory.length };
    } else if (!health.healthy) {
      summary = { outcome: 'Unhealthy', reason: AgentReason.HealthCheckFailed, message: `applied ${short(head)} (${counts}); ${describeUnhealthy(health, timeoutMs)}`, attemptedRevision: head, appliedRevision: head, inventorySize: inventory.length };
    } else {
      summary = { outcome: 'Applied', reason: AgentReason.ReconciliationSucceeded, message: `applied revision ${short(head)}: ${counts}`, attemptedRevision: head, appliedRevision: head, inventorySize: inventory.length };
    }
  } catch (error) {
    const classified = classifyError(error);
    report.error = { code: classified.code, ...(classified.file ? { file: classified.file } : {}), ...(classified.line ? { line: classified.line } : {}) };
    summary = { outcome: classified.outcome, reason: classified.reason, message: classified.message, ...(report.revision ? { attemptedRevision: report.revision } : {}) };
    // Objects written before the failure must be remembered, or a later prune could never remove them.
    if (state && appliedSoFar.length && !options.dryRun) {
      const grown = uniqueRefs([...state.inventory, ...appliedSoFar]);
      await saveSyncState(deps.kube, identity, { ...state, source, inventory: grown, healthy: false }, state).catch(() => undefined);
      report.inventorySize = grown.length;
    }
  }
  return finish(target, deps, options, report, summary, started);
}

/** A Sync object whose spec or credentials are unusable: reported Stalled (InvalidConfig), nothing fetched. */
export async function reportInvalidSync(
  invalid: { identity: SyncIdentity; generation?: number; status?: SyncStatus; error: unknown },
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<SyncReport> {
  const started = Date.now();
  const classified = classifyError(invalid.error);
  const report: SyncReport = {
    sync: invalid.identity, outcome: 'Stalled', reason: '', message: '', changes: [], prune: emptyPrune(),
    inventorySize: invalid.status?.inventorySize ?? 0, status: invalid.status ?? {}, statusWritten: false, durationMs: 0,
    error: { code: classified.code },
  };
  // Shaped like a target so the one status writer below handles it.
  const target = { identity: invalid.identity, fromObject: true, ...(invalid.generation !== undefined ? { generation: invalid.generation } : {}), ...(invalid.status ? { status: invalid.status } : {}) };
  return finish(target, deps, options, report, { outcome: classified.outcome, reason: classified.reason, message: classified.message }, started);
}

/** The one place status is decided and written: only for Sync objects, only when it changed. */
async function finish(target: Pick<SyncTarget, 'identity' | 'fromObject' | 'generation' | 'status'> & Partial<Pick<SyncTarget, 'spec'>>, deps: ReconcileDeps, options: ReconcileOptions, report: SyncReport, summary: OutcomeSummary, started: number): Promise<SyncReport> {
  report.outcome = summary.outcome;
  report.reason = summary.reason;
  report.message = summary.message;
  const now = (deps.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  report.status = summarizeStatus(target.status, summary, target.generation, now);
  if (target.fromObject && !options.dryRun && JSON.stringify(report.status) !== JSON.stringify(target.status ?? {})) {
    try {
      await deps.kube.mergePatch(
        { apiVersion: SyncApiVersion, kind: SyncKind, namespace: target.identity.namespace, name: target.identity.name },
        { status: report.status },
        { subresource: 'status' },
      );
      report.statusWritten = true;
    } catch (error) {
      const classified = classifyError(error);
      report.message += ` (status not written: ${classified.message})`;
    }
  }
  if (!options.dryRun) await deps.reporter?.finished(target, report);
  report.durationMs = Date.now() - started;
  return report;
}

function describeCounts(report: SyncReport): string {
  const count = (action: string) => report.changes.filter((c) => c.action === action).length;
  const parts = [`${count('create')} created`, `${count('configure')} configured`, `${count('unchanged')} unchanged`];
  if (count('recreate')) parts.push(`${count('recreate')} recreated`);
  parts.push(`${report.prune.deleted.length} pruned`);
  const skipped = (action: string) => report.prune.skipped.filter((s) => (s.action ?? 'skip') === action);
  if (skipped('skip').length) parts.push(`${skipped('skip').length} kept (not ours or prune disabled)`);
  if (skipped('release').length) parts.push(`${skipped('release').length} released (adopted or protected, not deleted)`);
  const blocked = skipped('block');
  // The first reason says what to do (annotate to allow, or wait for the next revision).
  if (blocked.length) parts.push(`${blocked.length} not pruned: ${blocked[0]?.reason}${blocked.length > 1 ? ` (and ${blocked.length - 1} more)` : ''}`);
  return parts.join(', ');
}

export function hashSpec(spec: SyncSpec): string {
  // interval and suspend do not change what is applied.
  const { interval: _interval, suspend: _suspend, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

function short(revision: string): string {
  return revision.slice(0, 12);
}

export type { PreparedObject };
