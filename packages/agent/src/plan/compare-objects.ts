import type { KubeObject } from './kube-object.js';

/**
 * Fields the server changes on every write or dry-run without the object meaning anything new.
 * A dry-run apply that differs from live only in these is a no-op, and is not written.
 */
const volatileMetadata = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink'];

export function normalizeForCompare(object: KubeObject): KubeObject {
  const metadata = { ...object.metadata };
  for (const key of volatileMetadata) delete metadata[key];
  return { ...object, metadata };
}

/** True when applying would change the live object (what Flux calls drift). */
export function differsFromLive(dryRun: KubeObject, live: KubeObject | undefined): boolean {
  if (!live) return true;
  return !deepEqual(normalizeForCompare(dryRun), normalizeForCompare(live));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keysA = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const keysB = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return keysA.length === keysB.length && keysA.every((key) => deepEqual(ra[key], rb[key]));
}

/** Which top-level paths differ, for `ferry-agent diff` output. */
export function listChangedPaths(before: unknown, after: unknown, prefix = '', limit = 20): string[] {
  const out: string[] = [];
  walk(before, after, prefix, out, limit);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit || deepEqual(a, b)) return;
  const bothObjects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && !Array.isArray(a) && !Array.isArray(b);
  if (!bothObjects) {
    out.push(path || '.');
    return;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    walk(ra[key], rb[key], path ? `${path}.${key}` : key, out, limit);
  }
}

/** JSON with object keys sorted: equal objects give equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
