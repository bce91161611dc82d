/**
 * Fields added by `kubectl edit` (or `kubectl patch`, `kubectl apply`, `kubectl label`, ...) belong to
 * kubectl's field managers, so a server-side apply by the agent would leave them in place: a blind
 * spot of drift detection (flux2#2099). As Flux does, the agent moves kubectl's managedFields
 * entries into its own Apply entry; its next apply then removes every field Git does not have.
 */
import type { KubeApi } from '../ports.js';
import type { KubeObject, ObjectRef } from '../plan/kube-object.js';
import { describeObject, formatObjectKey, toObjectRef } from '../plan/kube-object.js';
import { mapLimit, settleLimit } from '../reconcile/map-limit.js';
import { FieldManager } from '../sync/labels.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** kubectl's managers: `kubectl` (server-side apply, scale), `kubectl-edit`, `kubectl-client-side-apply`, ... */
export function isForeignManager(entry: ManagedFieldsEntry): boolean {
  // Subresource entries (status, scale) are left alone: fields there that Git sets are forced back anyway.
  if (entry.subresource) return false;
  const manager = entry.manager ?? '';
  return /^kubectl(-.+)?$/.test(manager) || manager === 'before-first-apply';
}

/** The managedFields after taking kubectl's entries over; undefined when there is nothing to take. */
export function planOwnershipTakeover(managedFields: readonly ManagedFieldsEntry[] | undefined, manager = FieldManager): ManagedFieldsEntry[] | undefined {
  if (!managedFields?.some(isForeignManager)) return undefined;
  const foreign = managedFields.filter(isForeignManager);
  const kept = managedFields.filter((e) => !isForeignManager(e));
  const ownIndex = kept.findIndex((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  const own = ownIndex >= 0 ? (kept[ownIndex] as ManagedFieldsEntry) : { manager, operation: 'Apply', apiVersion: foreign[0]?.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} };
  const merged: ManagedFieldsEntry = { ...own, fieldsV1: foreign.reduce((acc, e) => mergeFieldSets(acc, e.fieldsV1 ?? {}), own.fieldsV1 ?? {}) };
  if (ownIndex >= 0) kept[ownIndex] = merged;
  else kept.push(merged);
  return kept;
}

/** Union of two FieldsV1 sets (nested maps of `f:`/`k:`/`v:` keys with `{}` leaves). */
export function mergeFieldSets(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isRecord(existing) && isRecord(value) ? mergeFieldSets(existing, value) : isRecord(value) ? { ...value } : value;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads the live objects of an inventory (one LIST per kind and namespace for several objects, a
 * GET for one) and takes kubectl's fields over on those that have them. Returns the objects changed.
 * Conflicts (the object changed meanwhile) are skipped: the next interval sees them again.
 */
export async function takeOwnershipOfForeignEdits(kube: KubeApi, inventory: readonly ObjectRef[], ownerSelector: string, concurrency = 8): Promise<ObjectRef[]> {
  const live = await readLive(kube, inventory, ownerSelector, concurrency);
  const taken: ObjectRef[] = [];
  await settleLimit(live, concurrency, async (object) => {
    const managedFields = planOwnershipTakeover(object.metadata.managedFields as ManagedFieldsEntry[] | undefined);
    if (!managedFields) return;
    const ref = toObjectRef(object);
    // resourceVersion in a merge patch is a precondition: a concurrent write makes this a 409.
    await kube.mergePatch(ref, { metadata: { resourceVersion: object.metadata.resourceVersion, managedFields } });
    taken.push(ref);
  });
  return taken;
}

async function readLive(kube: KubeApi, inventory: readonly ObjectRef[], selector: string, concurrency: number): Promise<KubeObject[]> {
  const groups = new Map<string, ObjectRef[]>();
  for (const ref of inventory) {
    const key = `${ref.apiVersion}|${ref.kind}|${ref.namespace}`;
    groups.set(key, [...(groups.get(key) ?? []), ref]);
  }
  const wanted = new Set(inventory.map(formatObjectKey));
  const results = await settleLimit([...groups.values()], concurrency, async (refs): Promise<KubeObject[]> => {
    const first = refs[0] as ObjectRef;
    if (refs.length > 2) {
      const listed = await kube.list(first.apiVersion, first.kind, { ...(first.namespace ? { namespace: first.namespace } : {}), labelSelector: selector });
      return listed.filter((o) => wanted.has(formatObjectKey(toObjectRef(o))));
    }
    const got = await mapLimit(refs, concurrency, (ref) => kube.get(ref));
    return got.filter((o): o is KubeObject => o !== undefined);
  });
  return results.flatMap((r) => (r.ok ? r.value : []));
}

export { describeObject };
