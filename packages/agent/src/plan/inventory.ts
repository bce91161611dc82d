import { FerryError } from '@ferry/manifest-model';
import type { ObjectRef } from './kube-object.js';
import { formatObjectKey } from './kube-object.js';

/**
 * The inventory is the set of objects a Sync applied last time: the only objects it may ever prune.
 * It is stored as text, one object per line (`apiVersion kind namespace name`, `-` for no namespace),
 * small enough for 10,000 objects in one ConfigMap and readable with `kubectl get cm -o yaml`.
 */
export function encodeInventory(refs: readonly ObjectRef[]): string {
  return uniqueRefs(refs)
    .map((r) => `${r.apiVersion} ${r.kind} ${r.namespace || '-'} ${r.name}`)
    .sort()
    .join('\n');
}

export function decodeInventory(text: string): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 4) throw new FerryError('inventory.corrupt', `inventory line ${index + 1} is not "apiVersion kind namespace name": ${line}`);
    const [apiVersion, kind, namespace, name] = parts as [string, string, string, string];
    refs.push({ apiVersion, kind, namespace: namespace === '-' ? '' : namespace, name });
  }
  return refs;
}

/** Later entries win, so a new apiVersion replaces the one remembered. */
export function uniqueRefs(refs: readonly ObjectRef[]): ObjectRef[] {
  const byKey = new Map<string, ObjectRef>();
  for (const ref of refs) byKey.set(formatObjectKey(ref), ref);
  return [...byKey.values()];
}
