/**
 * The long-running agent: watches Sync objects, reconciles each on its own schedule (schedule.ts)
 * with at most `maxConcurrent` reconciles at a time and never two of one Sync, corrects drift every
 * interval, and writes only while it leads (leader-election.ts). Shutdown stops taking work and lets
 * running reconciles finish within a grace period.
 */
import { FerryError, isDuration } from '@ferry/manifest-model';
import { withRefFreshness } from '../adapters/ref-cache.js';
import { isInvalidSync, loadSyncTargets } from '../adapters/sync-store.js';
import type { KubeObject, ObjectRef } from '../plan/kube-object.js';
import type { KubeApi, KubeWatchApi } from '../ports.js';
import { inventorySource, sameSource } from '../plan/inventory.js';
import { classifyError } from '../reconcile/classify-error.js';
import { loadSyncState } from '../reconcile/inventory-store.js';
import { hashSpec, reconcileSync, reportInvalidSync, type ReconcileDeps, type SyncReport } from '../reconcile/reconcile-sync.js';
import { isReady, type SyncOutcome, type SyncStatus } from '../reconcile/sync-status.js';
import { ownerSelector } from '../sync/labels.js';
import { parseDuration, SyncApiVersion, SyncKind } from '../sync/sync-spec.js';
import type { Logger } from '../observability/logger.js';
import type { AgentMetrics } from '../observability/metrics.js';
import { decideEvent, recordSyncEvent, type LastReported } from '../observability/sync-events.js';
import { abortableDelay } from './abortable-delay.js';
import { findDrift } from './find-drift.js';
import { listOnce } from './list-once.js';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.js';
import { defaultScheduleSettings, findSlowRuns, finishSync, nextSlowCheckAt, nextWakeAt, observeSync, pickDue, startSync, triggerSync, type RunningReconcile, type ScheduleSettings, type SyncSchedule } from './schedule.js';
import { takeOwnershipOfForeignEdits } from './take-ownership.js';
import type { CommitVerifier } from '../signatures/commit-verifier.js';
import { runAs } from '../reconcile/run-as.js';
import { finalizeSync, hasFinalizer, isDeleting, setFinalizer } from './finalize-sync.js';
import { watchSyncs } from './watch-syncs.js';

/** Set (any value, e.g. a time or a webhook delivery id) to reconcile a Sync at once. */
export const ReconcileRequestAnnotation = 'ferry.dev/reconcile-requested-at';

export interface SyncDaemonDeps {
  kube: KubeApi;
  /** The Sync watch and the leader Lease: a client of its own, so reconciles never hold them up. */
  watchKube: KubeWatchApi;
  reconcile: ReconcileDeps;
  log: Logger;
  metrics: AgentMetrics;
  now?: () => number;
  random?: () => number;
  /** Commit signature verification for Syncs with spec.verify (signatures/commit-verifier.ts). */
  verifyCommit?: CommitVerifier;
  /** Called after each reconcile (tests, embedding). */
  onReport?: (report: SyncReport, drifted: readonly string[]) => void;
}

export interface SyncDaemonOptions {
  /** Watch Syncs in this namespace only (namespace-scoped install); all namespaces when unset. */
  namespace?: string;
  /**
   * Watch (and so reconcile, and answer webhooks for) only the Syncs this label selector selects:
   * one shard of the cluster's Syncs (`--sync-selector`). Each shard needs a Lease of its own.
   */
  syncSelector?: string;
  /**
   * Syncs reconciled at the same time; slow ones (schedule.ts) run in a lane of their own of the
   * same size, so at most twice this many run when some are slow.
   */
  maxConcurrent: number;
  /** Parallel API requests inside one reconcile. */
  concurrency: number;
  healthTimeoutMs?: number;
  schedule?: ScheduleSettings;
  /** This replica's name (pod name): Lease holder and Event reporter. */
  identity: string;
  /** Leader election; without it this replica always writes (one replica only!). */
  leaderElection?: Omit<LeaderElectionOptions, 'identity'>;
  events?: boolean;
  /**
   * ServiceAccount (in each Sync's namespace) for Syncs without spec.serviceAccountName (Flux's
   * `--default-service-account`): a cluster admin's way to give no Sync the agent's own rights.
   */
  defaultServiceAccount?: string;
}

export interface ShutdownResult {
  /** Syncs whose reconcile was still running when the grace period ended. */
  abandoned: string[];
}

export class SyncDaemon {
  private readonly schedules = new Map<string, SyncSchedule>();
  private readonly objects = new Map<string, KubeObject>();
  private readonly running = new Map<string, Promise<void>>();
  /** Which lane each running reconcile counts against (normal or slow), and since when. */
  private readonly lanes = new Map<string, RunningReconcile>();
  private readonly lastReported = new Map<string, LastReported>();
  /** When a Sync was added, changed or asked to reconcile: its next ref listing must be newer. */
  private readonly listRefsAfter = new Map<string, number>();
  private readonly watchAbort = new AbortController();
  private readonly electionAbort = new AbortController();
  private readonly elector: LeaderElector | undefined;
  private background: Promise<unknown>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private leading: boolean;
  private stopping = false;
  private releaseLease = true;
  private synced = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly deps: SyncDaemonDeps, private readonly options: SyncDaemonOptions) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.elector = options.leaderElection ? new LeaderElector(deps.watchKube, { ...options.leaderElection, identity: options.identity }) : undefined;
    this.leading = !this.elector;
    deps.metrics.leader.set({}, this.leading ? 1 : 0);
  }

  /** Ready once the first LIST of Syncs is in (a standby replica is ready too: it serves webhooks). */
  get ready(): boolean {
    return this.synced && !this.stopping;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.background.push(watchSyncs(this.deps.watchKube, this.options.namespace, this.watchAbort.signal, {
      replaceAll: (objects) => {
        const keys = new Set(objects.map(keyOf));
        for (const key of [...this.objects.keys()]) if (!keys.has(key)) this.forget(key);
        for (const object of objects) this.observe(object);
        this.synced = true;
      },
      upsert: (object) => this.observe(object),
      remove: (object) => this.forget(keyOf(object)),
      onError: (error) => this.deps.log.warn('watching Syncs failed; retrying', { error: classifyError(error).message }),
    }, this.options.syncSelector));
    if (this.elector) {
      this.background.push(this.elector.run(this.electionAbort.signal, {
        onStartedLeading: () => {
          this.deps.log.info('became leader', { identity: this.options.identity });
          this.setLeading(true);
          const now = this.now();
          for (const [key, schedule] of this.schedules) this.schedules.set(key, triggerSync(schedule, now));
          this.wake();
        },
        onStoppedLeading: () => {
          if (this.stopping) this.deps.log.info('released leadership', { identity: this.options.identity });
          else if (this.leading) this.deps.log.warn('lost leadership: no new reconciles', { identity: this.options.identity });
          this.setLeading(false);
        },
        onError: (error) => this.deps.log.warn('leader election request failed', { error: classifyError(error).message }),
      }, () => this.releaseLease));
    }
  }

  /** Syncs whose source is `url` at `ref` (a branch or tag name, or a full refs/... name). */
  findSyncs(matches: (spec: { url?: unknown; ref?: unknown }) => boolean): Array<{ namespace: string; name: string }> {
    return [...this.objects.values()].filter((o) => matches((o.spec ?? {}) as { url?: unknown; ref?: unknown })).map((o) => ({ namespace: o.metadata.namespace ?? 'default', name: o.metadata.name }));
  }

  /**
   * Asks for a reconcile through the Sync's annotation, so whichever replica leads does it (the one
   * answering a webhook may be a standby).
   */
  async requestReconcile(sync: { namespace: string; name: string }, token: string): Promise<void> {
    await this.deps.kube.mergePatch({ apiVersion: SyncApiVersion, kind: SyncKind, ...sync }, { metadata: { annotations: { [ReconcileRequestAnnotation]: token } } });
  }

  /** Stop taking work, give running reconciles up to `graceMs`, release the Lease if nothing was abandoned. */
  async shutdown(graceMs: number): Promise<ShutdownResult> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.watchAbort.abort();
    const drained = Promise.allSettled([...this.running.values()]).then(() => true);
    const grace = new AbortController();
    const finished = await Promise.race([drained, abortableDelay(graceMs, grace.signal).then(() => false)]);
    grace.abort();
    const abandoned = finished ? [] : [...this.running.keys()];
    if (abandoned.length) {
      this.deps.log.warn('shutdown grace period over; abandoning running reconciles (the next leader finishes them)', { abandoned });
    }
    // Release the Lease only when no write of ours can still be in flight; otherwise it expires.
    this.releaseLease = abandoned.length === 0;
    this.electionAbort.abort();
    // Bounded wait for the watch and the Lease release; the timer must not outlive it (it would hold the process).
    const wait = new AbortController();
    await Promise.race([Promise.allSettled(this.background), abortableDelay(5_000, wait.signal)]);
    wait.abort();
    return { abandoned };
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.deps.metrics.leader.set({}, leading ? 1 : 0);
  }

  private observe(object: KubeObject): void {
    const key = keyOf(object);
    this.objects.set(key, object);
    const spec = (object.spec ?? {}) as { interval?: unknown; suspend?: unknown };
    const interval = typeof spec.interval === 'string' && isDuration(spec.interval) ? parseDuration(spec.interval) : 5 * 60_000;
    // A deletion is handled at once, suspended or not (finalize-sync.ts decides what it does then).
    const deleting = isDeleting(object);
    const seen = {
      key,
      generation: typeof object.metadata.generation === 'number' ? object.metadata.generation : undefined,
      requestToken: deleting ? `deleting:${String(object.metadata.deletionTimestamp)}` : object.metadata.annotations?.[ReconcileRequestAnnotation],
      intervalMs: Math.max(interval, 1_000),
      suspended: spec.suspend === true && !deleting,
    };
    const previous = this.schedules.get(key);
    if (!previous || previous.generation !== seen.generation || (seen.requestToken !== undefined && seen.requestToken !== previous.requestToken)) this.listRefsAfter.set(key, this.now());
    this.schedules.set(key, observeSync(previous, seen, this.now()));
    this.wake();
  }

  private forget(key: string): void {
    this.objects.delete(key);
    this.schedules.delete(key);
    this.lastReported.delete(key);
    this.listRefsAfter.delete(key);
    const [namespace = '', name = ''] = key.split('/');
    this.deps.metrics.ready.set({ namespace, name }, 0);
  }

  private wake(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopping || !this.leading) return;
    const now = this.now();
    const settings = this.options.schedule ?? defaultScheduleSettings;
    const slowSlots = this.options.maxConcurrent;
    // A reconcile past slowAfterMs leaves the normal slots to the other Syncs.
    for (const key of findSlowRuns([...this.lanes.values()], now, slowSlots, settings)) {
      const run = this.lanes.get(key);
      if (!run) continue;
      this.lanes.set(key, { ...run, lane: 'slow' });
      this.deps.log.warn('reconcile is slow: moved to the slow lane so other Syncs are not held up', { sync: key, runningMs: now - run.startedAt });
    }
    const lanes = [...this.lanes.values()];
    const normalFree = this.options.maxConcurrent - lanes.filter((r) => r.lane === 'normal').length;
    const slowFree = slowSlots - lanes.filter((r) => r.lane === 'slow').length;
    for (const due of pickDue(this.schedules.values(), now, normalFree, slowFree)) this.startOne(due.key, due.slow ? 'slow' : 'normal');
    // A due Sync without a free slot waits for a running reconcile to end (which wakes us); a
    // running one is looked at again when it crosses slowAfterMs.
    const times = [nextWakeAt(this.schedules.values()), nextSlowCheckAt([...this.lanes.values()], settings)].filter((t): t is number => t !== undefined && t > now);
    if (times.length) this.timer = setTimeout(() => this.wake(), Math.min(Math.min(...times) - now, 2 ** 31 - 1));
  }

  private startOne(key: string, lane: RunningReconcile['lane']): void {
    const schedule = this.schedules.get(key);
    if (!schedule) return;
    this.schedules.set(key, startSync(schedule));
    const startedAt = this.now();
    this.lanes.set(key, { key, startedAt, lane });
    const run = this.reconcileOne(key).then((outcome) => {
      this.running.delete(key);
      this.lanes.delete(key);
      const current = this.schedules.get(key);
      const now = this.now();
      const settings = this.options.schedule ?? defaultScheduleSettings;
      if (current) this.schedules.set(key, finishSync(current, outcome ?? 'Failed', now, this.random(), settings, now - startedAt));
      this.wake();
    });
    this.running.set(key, run);
  }

  /** One reconcile of one Sync; never throws. Returns the outcome, undefined when the Sync is gone. */
  private async reconcileOne(key: string): Promise<SyncOutcome | undefined> {
    const [namespace = 'default', name = ''] = key.split('/');
    const identity = { namespace, name };
    const labels = { namespace, name };
    let log = this.deps.log.child({ sync: key });
    const started = performance.now();
    try {
      const [loaded] = await loadSyncTargets(this.deps.kube, { name, namespace });
      if (!loaded) return undefined;
      const watched = this.objects.get(key);
      if (watched && isDeleting(watched)) return await this.finalizeOne(key, watched, loaded, log);
      // Before anything is applied: a Sync deleted from now on waits for its objects to be handled.
      if (!watched || !hasFinalizer(watched)) {
        if (!(await setFinalizer(this.deps.kube, identity, true, watched))) return undefined;
      }
      let report: SyncReport;
      let drifted: string[] = [];
      if (isInvalidSync(loaded)) {
        report = await reportInvalidSync(loaded, this.deps.reconcile);
      } else {
        // Its objects as its ServiceAccount (spec.serviceAccountName or the default); inventory and status as the agent.
        const runner = runAs(this.deps.reconcile, loaded, this.options.defaultServiceAccount);
        // Syncs of one repository and credentials share one ref listing per interval; a webhook or a
        // spec change asks for a listing newer than itself (adapters/ref-cache.ts).
        const freshness = { maxAgeMs: this.schedules.get(key)?.intervalMs, notBefore: this.listRefsAfter.get(key) };
        // The ownership takeover and the apply step list the same objects: one LIST (list-once.ts).
        const tenant = { ...runner, kube: listOnce(runner.kube), source: withRefFreshness(runner.source, freshness) };
        const before = await loadSyncState(this.deps.kube, identity);
        let taken: ObjectRef[] = [];
        // Not in an inventory recorded for another source: the reconcile refuses it (InventoryConflict).
        const foreign = before.source !== undefined && !sameSource(before.source, inventorySource('Sync', loaded.spec.url, loaded.spec.path));
        if (!loaded.spec.suspend && before.inventory.length && !foreign) {
          taken = await takeOwnershipOfForeignEdits(tenant.kube, before.inventory, ownerSelector(identity), this.options.concurrency).catch((error: unknown) => {
            log.warn('could not take over kubectl-edited fields', { error: classifyError(error).message });
            return [];
          });
        }
        const { lastDriftCorrection: _ignored, ...status } = (loaded.status ?? {}) as SyncStatus & { lastDriftCorrection?: unknown };
        // Every interval is a drift check: render and dry-run even when the remote head is unchanged.
        const verify = loaded.spec.verify;
        const verifier = this.deps.verifyCommit;
        const deps = verify && verifier ? { ...tenant, verifyCommit: (t: typeof loaded, commit: string) => verifier(t, commit, verify) } : tenant;
        report = await reconcileSync({ ...loaded, status }, deps, {
          // The inventory just read for findDrift: not read a second time.
          force: true, concurrency: this.options.concurrency, state: before,
          ...(this.options.healthTimeoutMs !== undefined ? { healthTimeoutMs: this.options.healthTimeoutMs } : {}),
        });
        drifted = findDrift(before, report, hashSpec(loaded.spec), taken);
      }
      log = log.child({ revision: report.revision ?? report.status.lastAttemptedRevision ?? null });
      this.observeReport(key, labels, report, drifted, log, performance.now() - started);
      if (drifted.length) await this.reportDrift(identity, report, drifted, log);
      return report.outcome;
    } catch (error) {
      if (error instanceof FerryError && error.code === 'sync.not-found') {
        this.forget(key);
        return undefined;
      }
      if (error instanceof FerryError && error.code === 'sync.service-account') {
        log.error(error.message);
        return 'Stalled';
      }
      const classified = classifyError(error);
      log.error('reconcile failed before it could report', { outcome: classified.outcome, reason: classified.reason, error: classified.message });
      this.deps.metrics.reconciles.inc({ ...labels, outcome: classified.outcome });
      return classified.outcome;
    }
  }

  /**
   * The Sync is being deleted: prune or leave its objects (finalize-sync.ts), say which in an Event,
   * then remove the finalizer. A failed delete keeps the finalizer; the Sync is retried with backoff.
   */
  private async finalizeOne(key: string, watched: KubeObject, loaded: Awaited<ReturnType<typeof loadSyncTargets>>[number], log: Logger): Promise<SyncOutcome | undefined> {
    const [namespace = 'default', name = ''] = key.split('/');
    const identity = { namespace, name };
    if (!hasFinalizer(watched)) return undefined;
    const valid = isInvalidSync(loaded) ? undefined : loaded;
    let kube: KubeApi = this.deps.kube;
    if (valid?.spec.prune && !valid.spec.suspend) kube = runAs(this.deps.reconcile, valid, this.options.defaultServiceAccount).kube;
    const result = await finalizeSync({ identity, prune: valid?.spec.prune, suspended: valid?.spec.suspend ?? false, kube, stateKube: this.deps.kube, concurrency: this.options.concurrency });
    const uid = watched.metadata.uid;
    await recordSyncEvent(this.deps.kube, { ...identity, ...(typeof uid === 'string' ? { uid } : {}) }, result.event, this.options.identity, new Date(this.now())).catch((error: unknown) => {
      log.warn('could not record an Event', { error: classifyError(error).message });
    });
    if (!result.done) {
      log.warn(result.event.message, { outcome: 'Failed' });
      return 'Failed';
    }
    log.info(result.event.message, { pruned: result.prune.deleted.length, kept: result.prune.skipped.length });
    if (result.prune.deleted.length) this.deps.metrics.appliedObjects.inc({ namespace, name, action: 'prune' }, result.prune.deleted.length);
    await setFinalizer(this.deps.kube, identity, false);
    return undefined;
  }

  private async reportDrift(identity: { namespace: string; name: string }, report: SyncReport, drifted: string[], log: Logger): Promise<void> {
    const lastDriftCorrection = { time: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'), revision: report.revision, count: drifted.length, objects: drifted.slice(0, 50) };
    await this.deps.kube.mergePatch({ apiVersion: SyncApiVersion, kind: SyncKind, ...identity }, { status: { lastDriftCorrection } }, { subresource: 'status' }).catch((error: unknown) => {
      log.warn('could not record the drift correction in status', { error: classifyError(error).message });
    });
  }

  private observeReport(key: string, labels: { namespace: string; name: string }, report: SyncReport, drifted: string[], log: Logger, durationMs: number): void {
    const { metrics } = this.deps;
    metrics.reconcileDuration.observe(labels, durationMs / 1000);
    metrics.reconciles.inc({ ...labels, outcome: report.outcome });
    for (const change of report.changes) if (change.action !== 'unchanged') metrics.appliedObjects.inc({ ...labels, action: change.action });
    if (report.prune.deleted.length) metrics.appliedObjects.inc({ ...labels, action: 'prune' }, report.prune.deleted.length);
    if (drifted.length) metrics.driftCorrections.inc(labels, drifted.length);
    metrics.ready.set(labels, isReady(report.status) ? 1 : 0);

    const written = report.changes.filter((c) => c.action !== 'unchanged').length;
    const fields = { outcome: report.outcome, reason: report.reason, durationMs: Math.round(durationMs), written, pruned: report.prune.deleted.length, ...(drifted.length ? { drifted } : {}), ...(report.error ? { errorCode: report.error.code } : {}) };
    const failing = report.outcome === 'Failed' || report.outcome === 'Stalled' || report.outcome === 'Unhealthy';
    if (failing) log.warn(report.message, fields);
    else if (written || drifted.length || report.prune.deleted.length) log.info(report.message, fields);
    else log.debug(report.message, fields);

    if (this.options.events !== false) {
      const event = decideEvent(this.lastReported.get(key), report, drifted);
      this.lastReported.set(key, { failing, message: report.message });
      if (event) {
        const uid = this.objects.get(key)?.metadata.uid;
        recordSyncEvent(this.deps.kube, { ...labels, ...(typeof uid === 'string' ? { uid } : {}) }, event, this.options.identity, new Date(this.now())).catch((error: unknown) => {
          log.warn('could not record an Event', { error: classifyError(error).message });
        });
      }
    }
    this.deps.onReport?.(report, drifted);
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
}
