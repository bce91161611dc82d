import { FerryError } from '@ferry/manifest-model';
import { createHash } from 'node:crypto';
import { groupByStage } from '../plan/apply-order.js';
import { assessHealth, type Health } from '../plan/assess-health.js';
import { canonicalJson, differsFromLive, listChangedPaths, normalizeForCompare } from '../plan/compare-objects.js';
import type { AppliedRecord } from '../plan/inventory.js';
import type { KubeObject, ObjectMeta, ObjectRef } from '../plan/kube-object.js';
import { decideOwnership, ownershipConflictError, withOwnershipMarks, type Ownership } from '../plan/plan-ownership.js';
import { describeObject, formatObjectKey, groupOf, toObjectRef } from '../plan/kube-object.js';
import { KubeApiError, type KubeApi, type ObjectChange } from '../ports.js';
import { RecreateAnnotation, RecreateEnabled, type SyncIdentity } from '../sync/labels.js';
import { mapLimit, settleLimit } from './map-limit.js';
import type { PreparedObject } from './prepare-objects.js';

export type { ObjectAction, ObjectChange } from './sync-report.js';

export interface ApplyOptions {
  concurrency: number;
  /** Only validate and compute changes (`ferry-agent diff`). */
  dryRun?: boolean;
  /** Upper bound for waiting on CRDs to become Established and recreated objects to go away. */
  waitTimeoutMs?: number;
  /** Called once each object write succeeded (lets the caller track what exists for the inventory). */
  onApplied?: (change: ObjectChange) => void;
  /**
   * Called once, after every object passed its dry-run and before the first write, with the objects
   * about to be written: the caller records them in the inventory first, so a crash or an outage in
   * the middle of the writes never leaves an object it created unknown to a later prune.
   */
  beforeWrites?: (refs: readonly ObjectRef[]) => Promise<void>;
  /** The Sync applying: an object another Sync owns is a conflict, and nothing is applied. */
  sync: SyncIdentity;
  /**
   * Label selector of this Sync's own objects: live objects are then read with one LIST per kind and
   * namespace instead of one GET per object (1,000 objects: 2 requests instead of 1,000). Another
   * Sync's objects are not in it: they are dry-run like new ones, found to exist, read, and refused.
   */
  ownerSelector?: string;
  /**
   * What the last reconcile applied, per object (formatObjectKey). An object whose live
   * resourceVersion (from the LIST, or the GET an ownership check made anyway) and desired hash
   * both match its record is unchanged: no dry-run, no read of its own.
   */
  records?: ReadonlyMap<string, AppliedRecord>;
  /** Mixed into each object's hash (the Sync's spec hash: a spec change re-checks every object). */
  recordSalt?: string;
  /** Receives a record per object found unchanged or written: what the inventory keeps for next time. */
  onRecord?: (ref: ObjectRef, record: AppliedRecord) => void;
}

interface Checked {
  item: PreparedObject;
  change?: ObjectChange;
  /** The hash of item.object (desiredHash): recorded with the resourceVersion once applied or found unchanged. */
  hash?: string;
  /** Depends on a Namespace or CRD applied earlier in this same revision: validated after it. */
  deferred?: boolean;
}

/**
 * Applies a revision with server-side apply, in stages. First every object the server can already
 * validate is dry-run; any invalid or forbidden object aborts the revision before a single write.
 * Then stage by stage: objects whose dry-run differs from live are applied, CRDs are awaited until
 * Established, and objects that depend on those are dry-run and applied in their turn.
 */
export async function applyObjects(kube: KubeApi, objects: readonly PreparedObject[], options: ApplyOptions): Promise<ObjectChange[]> {
  const newNamespaces = new Set(objects.filter((o) => o.ref.kind === 'Namespace' && groupOf(o.ref.apiVersion) === '').map((o) => o.ref.name));
  const checked = await checkAll(kube, objects, options, (item, error) => isDeferrable(item, error, newNamespaces));
  if (options.dryRun) return checked.map((c) => c.change ?? { ref: c.item.ref, action: 'create' as const });
  const writes = checked.filter((c) => c.deferred || (c.change && c.change.action !== 'unchanged'));
  if (writes.length) await options.beforeWrites?.(writes.map((c) => c.item.ref));

  const changes: ObjectChange[] = [];
  for (const stage of groupByStage(checked, (c) => c.item.ref)) {
    const deferred = stage.filter((c) => c.deferred);
    const rechecked = deferred.length ? await checkAll(kube, deferred.map((c) => c.item), options, () => false) : [];
    const ready = [...stage.filter((c) => !c.deferred), ...rechecked];
    const results = await mapLimit(ready, options.concurrency, async ({ item, change, hash }) => {
      if (!change || change.action === 'unchanged') return change ?? { ref: item.ref, action: 'unchanged' as const };
      if (change.action === 'recreate') await recreate(kube, item, options.waitTimeoutMs ?? 60_000);
      const applied = await kube.apply(item.object);
      const done = { ...change, health: assessHealth(applied) };
      options.onApplied?.(done);
      const resourceVersion = versionOf(applied);
      if (hash && resourceVersion) options.onRecord?.(item.ref, { resourceVersion, hash });
      return done;
    });
    changes.push(...results);
    const crds = ready.filter((c) => c.item.ref.kind === 'CustomResourceDefinition' && c.change?.action !== 'unchanged');
    if (crds.length) await waitForEstablished(kube, crds.map((c) => c.item.object), options.waitTimeoutMs ?? 60_000);
  }
  return changes;
}

/** Dry-runs objects and compares with live; collects every rejection into one error. */
async function checkAll(kube: KubeApi, items: readonly PreparedObject[], options: ApplyOptions, defer: (item: PreparedObject, error: unknown) => boolean): Promise<Checked[]> {
  const listed = options.ownerSelector ? await listOwned(kube, items, options.ownerSelector, options.concurrency, options.records) : { objects: new Map<string, LiveDigest>(), groups: new Set<string>() };
  const conflicts: Array<{ index: number; ref: ObjectRef; owner: Partial<SyncIdentity>; source?: { file: string; line: number } }> = [];
  const settled = await settleLimit(items, options.concurrency, async (prepared): Promise<Checked | undefined> => {
    // Listed objects are current as of the list, which holds this Sync's objects. An object missing
    // from its kind's list is new, unowned, or another Sync's: the dry-run tells whether it exists (a
    // dry-run create has no resourceVersion), and only then a GET decides between adopting it and a
    // conflict, so a first sync of 1,000 new objects reads none of them.
    const inListedGroup = listed.groups.has(groupKey(prepared.ref));
    const digest = listed.objects.get(formatObjectKey(prepared.ref));
    let live: KubeObject | undefined;
    let read = false;
    const readLive = async () => {
      if (!read) live = await kube.get(prepared.ref);
      read = true;
      return live;
    };
    let ownership: Ownership | undefined = digest ? decideOwnership(digest.meta, options.sync) : inListedGroup ? undefined : decideOwnership((await readLive())?.metadata, options.sync);
    if (ownership?.state === 'conflict') return conflict(prepared, ownership);
    let item = markOwnership(prepared, ownership);
    // Unchanged since the last apply: the same desired object, and nobody wrote it since (the
    // resourceVersion moves on any write). Ownership was decided above, from the same LIST or GET.
    const record = options.records?.get(formatObjectKey(prepared.ref));
    const liveVersion = digest ? digest.resourceVersion : read && live ? versionOf(live) : undefined;
    if (record && liveVersion && ownership && record.resourceVersion === liveVersion && record.hash === desiredHash(item.object, options.recordSalt)) {
      if (!options.dryRun) options.onRecord?.(prepared.ref, record);
      return { item, change: { ref: item.ref, action: 'unchanged', health: digest ? digest.health : assessHealth(live as KubeObject) } };
    }
    let dryRun: KubeObject;
    try {
      dryRun = await kube.apply(item.object, { dryRun: true });
      if (!ownership && dryRun.metadata.resourceVersion) {
        // It exists but no Sync owns it: this Sync adopts it; dry-run it again with the mark.
        ownership = decideOwnership((await readLive())?.metadata, options.sync);
        if (ownership.state === 'conflict') return conflict(prepared, ownership);
        item = markOwnership(prepared, ownership);
        if (item !== prepared) dryRun = await kube.apply(item.object, { dryRun: true });
      }
    } catch (error) {
      if (defer(prepared, error)) return { item: prepared, deferred: true };
      if (error instanceof KubeApiError && error.code === 'kube.immutable' && prepared.object.metadata.annotations?.[RecreateAnnotation] === RecreateEnabled) {
        ownership ??= decideOwnership((await readLive())?.metadata, options.sync);
        if (ownership.state === 'conflict') return conflict(prepared, ownership);
        const marked = markOwnership(prepared, ownership);
        return { item: marked, hash: desiredHash(marked.object, options.recordSalt), change: { ref: prepared.ref, action: 'recreate' } };
      }
      throw error;
    }
    const hash = desiredHash(item.object, options.recordSalt);
    const unchanged = (resourceVersion: string | undefined) => {
      if (resourceVersion && !options.dryRun) options.onRecord?.(item.ref, { resourceVersion, hash });
    };
    if (digest?.hash !== undefined && digest.hash === digestOf(dryRun)) {
      unchanged(digest.resourceVersion);
      return { item, hash, change: { ref: item.ref, action: 'unchanged', health: digest.health } };
    }
    if (digest || !inListedGroup || options.dryRun || dryRun.metadata.resourceVersion) await readLive();
    if (!live) return { item, hash, change: { ref: item.ref, action: 'create', health: assessHealth(dryRun) } };
    if (!differsFromLive(dryRun, live)) {
      unchanged(versionOf(live));
      return { item, hash, change: { ref: item.ref, action: 'unchanged', health: assessHealth(live) } };
    }
    const paths = listChangedPaths(normalizeForCompare(live), normalizeForCompare(dryRun));
    return { item, hash, change: { ref: item.ref, action: 'configure', paths, health: assessHealth(dryRun) } };
  });
  function conflict(item: PreparedObject, ownership: Extract<Ownership, { state: 'conflict' }>): undefined {
    conflicts.push({ index: items.indexOf(item), ref: item.ref, owner: ownership.owner, ...(item.source ? { source: item.source } : {}) });
    return undefined;
  }
  // Another Sync's object wins over every other rejection: applying any of this revision would be wrong.
  if (conflicts.length) throw ownershipConflictError(conflicts.sort((x, y) => x.index - y.index), options.sync);
  const failures = settled.flatMap((s, index) => (s.ok ? [] : [{ item: items[index] as PreparedObject, error: s.error }]));
  if (failures.length) throw rejectionError(failures);
  return settled.map((s) => (s as { ok: true; value: Checked }).value);
}

/** The item with its object marked for its ownership (adopted), or the item itself when unchanged. */
function markOwnership(item: PreparedObject, ownership: Ownership | undefined): PreparedObject {
  if (!ownership) return item;
  const object = withOwnershipMarks(item.object, ownership);
  return object === item.object ? item : { ...item, object };
}

/** Live objects of this Sync, one LIST per apiVersion/kind/namespace; kinds it may not list are skipped. */
function groupKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace}`;
}

/** What is kept of a listed live object: a hash to compare with the dry-run, its health, and who owns it. */
interface LiveDigest {
  /** Left out when the object is at the resourceVersion its record names: the record decides, no dry-run to compare. */
  hash?: string | undefined;
  resourceVersion?: string | undefined;
  health: Health;
  meta: Pick<ObjectMeta, 'labels' | 'annotations'>;
}

function versionOf(object: KubeObject): string | undefined {
  const { resourceVersion } = object.metadata;
  return typeof resourceVersion === 'string' && resourceVersion !== '' ? resourceVersion : undefined;
}

/** The hash recorded for an object as this agent applies it (with the spec hash as salt). */
function desiredHash(object: KubeObject, salt = ''): string {
  return createHash('sha256').update(salt).update('\n').update(canonicalJson(object)).digest('base64').slice(0, 22);
}

function digestOf(object: KubeObject): string {
  return createHash('sha256').update(canonicalJson(normalizeForCompare(object))).digest('base64');
}

async function listOwned(kube: KubeApi, items: readonly PreparedObject[], selector: string, concurrency: number, records?: ReadonlyMap<string, AppliedRecord>): Promise<{ objects: Map<string, LiveDigest>; groups: Set<string> }> {
  const groups = new Map<string, { apiVersion: string; kind: string; namespace: string; count: number }>();
  for (const { ref, definedInRevision } of items) {
    if (definedInRevision) continue;
    const key = groupKey(ref);
    const group = groups.get(key) ?? { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, count: 0 };
    group.count++;
    groups.set(key, group);
  }
  const objects = new Map<string, LiveDigest>();
  const listedGroups = new Set<string>();
  // A LIST only pays off for several objects of a kind; single objects are read with a GET.
  const worthListing = [...groups.entries()].filter(([, g]) => g.count > 2);
  const lists = await settleLimit(worthListing, concurrency, ([, g]) => kube.list(g.apiVersion, g.kind, { ...(g.namespace ? { namespace: g.namespace } : {}), labelSelector: selector }));
  lists.forEach((list, index) => {
    // A kind the agent may not list (RBAC) falls back to one GET per object.
    if (!list.ok) return;
    listedGroups.add((worthListing[index] as [string, unknown])[0]);
    // Only a digest is kept per object (5,000 full objects cost tens of MB); a changed object is
    // read again for its diff. An object still at its recorded resourceVersion needs no hash (most
    // of a drift check's CPU went into hashing 1,000 objects nobody had touched).
    for (const object of list.value) {
      const { labels, annotations } = object.metadata;
      const key = formatObjectKey(toObjectRef(object));
      const resourceVersion = versionOf(object);
      const recorded = resourceVersion !== undefined && records?.get(key)?.resourceVersion === resourceVersion;
      objects.set(key, { hash: recorded ? undefined : digestOf(object), resourceVersion, health: assessHealth(object), meta: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } });
    }
  });
  return { objects, groups: listedGroups };
}

function isDeferrable(item: PreparedObject, error: unknown, newNamespaces: ReadonlySet<string>): boolean {
  if (!(error instanceof KubeApiError)) return false;
  if (item.definedInRevision && error.code === 'kube.unknown-kind') return true;
  return error.statusCode === 404 && error.detailsKind === 'namespaces' && newNamespaces.has(item.ref.namespace);
}

/**
 * One error for all rejected objects, naming each with its source file and line. Forbidden wins
 * (the fix is RBAC, not the manifests); then invalid objects; anything else (unavailable) is thrown
 * as is so the caller treats it as transient.
 */
function rejectionError(failures: Array<{ item: PreparedObject; error: unknown }>): Error {
  const api = failures.filter((f): f is { item: PreparedObject; error: KubeApiError } => f.error instanceof KubeApiError);
  const transient = failures.find((f) => !(f.error instanceof KubeApiError) || ['kube.unavailable', 'kube.unauthorized', 'kube.error', 'kube.conflict'].includes((f.error as KubeApiError).code));
  const forbidden = api.filter((f) => f.error.code === 'kube.forbidden');
  const invalid = api.filter((f) => ['kube.invalid', 'kube.immutable', 'kube.not-found', 'kube.unknown-kind'].includes(f.error.code));
  const chosen = forbidden.length ? forbidden : invalid;
  if (!chosen.length) return transient?.error instanceof Error ? transient.error : new Error(String(transient?.error));
  const first = chosen[0] as { item: PreparedObject; error: KubeApiError };
  const lines = chosen.slice(0, 5).map(({ item, error }) => {
    const where = item.source ? `${item.source.file}:${item.source.line}: ` : '';
    const hint = error.code === 'kube.immutable' ? ` (annotate it ${RecreateAnnotation}: ${RecreateEnabled} to allow delete and recreate)` : '';
    return `${where}${error.message}${hint}`;
  });
  const more = chosen.length > 5 ? `\n... and ${chosen.length - 5} more` : '';
  const code = forbidden.length ? 'apply.forbidden' : 'apply.invalid';
  const summary = forbidden.length
    ? `Forbidden: the identity this Sync runs as (the agent, or its ServiceAccount) may not apply ${chosen.length} object(s); nothing was applied`
    : `the server rejected ${chosen.length} object(s) in dry-run; nothing was applied`;
  return new FerryError(code, `${summary}:\n${lines.join('\n')}${more}`, {
    ...(first.item.source ? { file: first.item.source.file, line: first.item.source.line } : {}),
    hint: forbidden.length ? 'grant that identity RBAC for these objects (spec.serviceAccountName, else the agent), or remove them from the source' : 'fix the objects in the source',
    cause: first.error,
  });
}

async function recreate(kube: KubeApi, item: PreparedObject, timeoutMs: number): Promise<void> {
  await kube.delete(item.ref);
  await pollUntil(timeoutMs, async () => (await kube.get(item.ref)) === undefined, () => `${describeObject(item.ref)} was deleted for recreation but is still present`);
}

/**
 * Waits until each CRD is Established and its kind is served by discovery: Established alone can
 * come a moment before the API group shows up, and a custom resource applied then fails.
 */
async function waitForEstablished(kube: KubeApi, crds: readonly KubeObject[], timeoutMs: number): Promise<void> {
  for (const crd of crds) {
    const ref = { apiVersion: crd.apiVersion, kind: crd.kind, namespace: '', name: crd.metadata.name };
    await pollUntil(timeoutMs, async () => {
      const live = await kube.get(ref);
      return live !== undefined && assessHealth(live).state === 'Current';
    }, () => `${describeObject(ref)} did not become Established`);
    const spec = crd.spec as { group?: string; names?: { kind?: string }; versions?: Array<{ name?: string; served?: boolean }> } | undefined;
    const version = spec?.versions?.find((v) => v.served !== false)?.name;
    if (!spec?.group || !spec.names?.kind || !version) continue;
    const apiVersion = `${spec.group}/${version}`;
    const kind = spec.names.kind;
    await pollUntil(timeoutMs, async () => {
      kube.forgetDiscovery();
      return (await kube.scopeOf(apiVersion, kind)) !== undefined;
    }, () => `kind ${kind} of ${describeObject(ref)} is not served by ${apiVersion}`);
  }
}

/** Polls with a bounded deadline; the interval grows from 50 ms to 1 s. */
export async function pollUntil(timeoutMs: number, check: () => Promise<boolean>, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let interval = 50;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new FerryError('apply.timeout', `${describe()} within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, 1000);
  }
}
