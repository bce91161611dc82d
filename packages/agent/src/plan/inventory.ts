import { FerryError } from '@ferry/manifest-model';
import { createHash } from 'node:crypto';
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

/**
 * What the agent remembers of an object it applied: the object's resourceVersion right after the
 * apply (or when a dry-run found it unchanged) and a hash of what it applied. While both still hold
 * on the next reconcile (the LIST shows that resourceVersion, the revision renders the same hash),
 * the object is unchanged without a dry-run: any write by anyone moves the resourceVersion.
 */
export interface AppliedRecord {
  resourceVersion: string;
  hash: string;
}

/** Beyond this many characters (inventory + records) records are left out: a ConfigMap holds 1 MiB. */
const RecordsBudget = 800_000;

function digestText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The records, stored beside the inventory (`data.applied`, which older agents ignore): a header
 * `v1 <digest of the inventory text>`, then one line per inventory line in the same order,
 * `resourceVersion hash` or `-`. '' when there is nothing to record or it would not fit.
 */
export function encodeAppliedRecords(refs: readonly ObjectRef[], records: ReadonlyMap<string, AppliedRecord> | undefined): string {
  if (!records?.size) return '';
  const inventory = encodeInventory(refs);
  const lines = sortedRefs(refs).map((ref) => {
    const record = records.get(formatObjectKey(ref));
    return record && /^\S+$/.test(record.resourceVersion) && /^\S+$/.test(record.hash) ? `${record.resourceVersion} ${record.hash}` : '-';
  });
  if (lines.every((line) => line === '-')) return '';
  const text = [`v1 ${digestText(inventory)}`, ...lines].join('\n');
  return inventory.length + text.length > RecordsBudget ? '' : text;
}

/**
 * The records of `data.applied`, keyed like formatObjectKey. Empty (every object is then dry-run,
 * as before records existed) when there are none, or they do not belong to this inventory text.
 */
export function decodeAppliedRecords(inventoryText: string, recordsText: string | undefined): Map<string, AppliedRecord> {
  const records = new Map<string, AppliedRecord>();
  if (!recordsText) return records;
  const [header, ...lines] = recordsText.split('\n');
  const refs = decodeInventory(inventoryText);
  if (header !== `v1 ${digestText(encodeInventory(refs))}` || lines.length !== uniqueRefs(refs).length) return records;
  sortedRefs(refs).forEach((ref, index) => {
    const parts = (lines[index] ?? '-').split(' ');
    if (parts.length === 2) records.set(formatObjectKey(ref), { resourceVersion: parts[0] as string, hash: parts[1] as string });
  });
  return records;
}

/** The refs in the order encodeInventory writes them. */
function sortedRefs(refs: readonly ObjectRef[]): ObjectRef[] {
  const line = (r: ObjectRef) => `${r.apiVersion} ${r.kind} ${r.namespace || '-'} ${r.name}`;
  return uniqueRefs(refs).map((ref) => [line(ref), ref] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ref]) => ref);
}

/** Later entries win, so a new apiVersion replaces the one remembered. */
export function uniqueRefs(refs: readonly ObjectRef[]): ObjectRef[] {
  const byKey = new Map<string, ObjectRef>();
  for (const ref of refs) byKey.set(formatObjectKey(ref), ref);
  return [...byKey.values()];
}

/**
 * The source an inventory belongs to, recorded on its ConfigMap. A reconcile of another source never
 * takes the inventory over silently (it would prune the objects of the source that wrote it).
 */
export interface InventorySource {
  /** `Sync`: a Sync object; `flags`: `ferry-agent sync --url` (flag mode). */
  kind: 'Sync' | 'flags';
  /** The repository URL without credentials, query or fragment (see canonicalRepoUrl). */
  url: string;
  /** The directory in the repository, normalised; '' for the root. */
  path: string;
}

/** What `--adopt-inventory` / the adopt annotation names for an inventory that records no source. */
export const UnrecordedSourceId = 'unrecorded';

/**
 * The repository URL as recorded and compared: no user or password, query or fragment (they may
 * carry tokens), lower-case scheme and host, no default port, no trailing `/` or `.git`. So
 * `https://user:tok@Git.example.com:443/acme/config.git/` and `https://git.example.com/acme/config`
 * are one repository. A URL that does not parse is kept as given, minus anything before an `@`.
 */
export function canonicalRepoUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/^[^/]*@/, '').replace(/[?#].*$/, '').replace(/(\.git)?\/*$/, '');
  }
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  parsed.hash = '';
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  return `${parsed.protocol}//${parsed.host}${path}`;
}

/** `.`, `./x/`, `a//b` -> '', `x`, `a/b`: the same directory written differently is one source. */
export function normalizeSourcePath(path: string): string {
  return path.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

export function inventorySource(kind: InventorySource['kind'], url: string, path: string): InventorySource {
  return { kind, url: canonicalRepoUrl(url), path: normalizeSourcePath(path) };
}

export function sameSource(a: InventorySource, b: InventorySource): boolean {
  return a.kind === b.kind && a.url === b.url && a.path === b.path;
}

/** A short, stable id of a source: what a user names to adopt an inventory on purpose. */
export function sourceId(source: InventorySource | undefined): string {
  if (!source) return UnrecordedSourceId;
  return createHash('sha256').update(`${source.kind}\n${source.url}\n${source.path}`).digest('hex').slice(0, 12);
}

export function describeSource(source: InventorySource | undefined): string {
  if (!source) return 'an unrecorded source (written by a ferry-agent older than source records)';
  const kind = source.kind === 'flags' ? 'flag mode (ferry-agent sync --url)' : 'a Sync object';
  return `${kind}, ${source.url}, path "${source.path || '.'}" (source id ${sourceId(source)})`;
}

/**
 * The default `--name` of flag mode: derived from the source (URL, path and `--namespace` when
 * given), so two deploys of different repositories never share an inventory by default.
 */
export function defaultFlagName(url: string, path: string, namespace?: string): string {
  const digest = createHash('sha256').update(`${canonicalRepoUrl(url)}\n${normalizeSourcePath(path)}\n${namespace ?? ''}`).digest('hex');
  return `cli-${digest.slice(0, 12)}`;
}

export interface InventoryOwnerCheck {
  /** The inventory as loaded: whether its ConfigMap exists and the source it records. */
  exists: boolean;
  recorded?: InventorySource | undefined;
  /** The source of this reconcile. */
  current: InventorySource;
  /** Where the inventory lives, for the message: `namespace/name` of its ConfigMap. */
  inventory: string;
  /** The source id the user named to adopt the inventory on purpose (flag or annotation). */
  adopt?: string | undefined;
  /** True when this owner has applied before (a Sync object whose status names a revision). */
  appliedBefore: boolean;
  /** How to adopt, for the hint: `--adopt-inventory ID` or the kubectl annotate command. */
  howToAdopt: (id: string) => string;
}

/**
 * Decides whether this reconcile may use the inventory. New (no ConfigMap) or recorded for this
 * source: yes. Recorded for another source: only when the user named that source's id. Recorded for
 * no source (an older agent wrote it): yes for an owner that applied before (its own inventory, now
 * recorded), else only on purpose. Throws `inventory.foreign` (Stalled) otherwise, before any write.
 */
export function checkInventoryOwner(check: InventoryOwnerCheck): 'new' | 'own' | 'adopted' {
  if (!check.exists) return 'new';
  if (check.recorded && sameSource(check.recorded, check.current)) return 'own';
  if (!check.recorded && check.appliedBefore) return 'own';
  const id = sourceId(check.recorded);
  if (check.adopt === id) return 'adopted';
  throw new FerryError(
    'inventory.foreign',
    `inventory ${check.inventory} belongs to another source: it was written by ${describeSource(check.recorded)}; this reconcile is ${describeSource(check.current)}. Nothing was applied or pruned: taking it over would prune the objects of the other source`,
    { hint: `if this source replaces the other one on purpose (a repository move), ${check.howToAdopt(id)}: the objects the inventory lists become this source's, and those it does not render are pruned. Otherwise use another name` },
  );
}
