import { FerryError } from '@ferry/manifest-model';
import type { KubeObject, ObjectMeta, ObjectRef } from './kube-object.js';
import { describeObject } from './kube-object.js';
import { AdoptedAnnotation, describeOwner, isOwnedBy, OwnerKindLabel, ownerKindOf, ownerLabels, ownerOf, type SyncIdentity } from '../sync/labels.js';

/**
 * Who an object belongs to before this Sync applies it:
 * - `new`: it does not exist; this Sync creates it (and may later delete it).
 * - `ours`: it carries this Sync's owner labels; `adopted` when it existed before this Sync first
 *   applied it (the agent marked it then).
 * - `adopt`: it exists without any owner label (made by hand, by another tool, or before Ferry):
 *   this Sync takes it over and marks it adopted, so a prune releases it instead of deleting it.
 * - `conflict`: another Sync's owner labels are on it. Applying would silently take it from that
 *   Sync, and whichever prunes it later deletes the other's object.
 */
export type Ownership =
  | { state: 'new' }
  | { state: 'ours'; adopted: boolean }
  | { state: 'adopt' }
  | { state: 'conflict'; owner: Partial<SyncIdentity> };

/** Decides from the live object's metadata (undefined: it does not exist). */
export function decideOwnership(live: Pick<ObjectMeta, 'labels' | 'annotations'> | undefined, sync: SyncIdentity): Ownership {
  if (!live) return { state: 'new' };
  const owner = ownerOf(live.labels);
  if (!owner) return { state: 'adopt' };
  if (isOwnedBy(live.labels, sync)) return { state: 'ours', adopted: isAdopted(live.annotations) };
  return { state: 'conflict', owner };
}

export function isAdopted(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[AdoptedAnnotation] === 'true';
}

/**
 * The object to apply, given its ownership: an adopted object keeps (or gets) `ferry.dev/adopted:
 * "true"`, whatever the source says, since the agent owns that field with server-side apply and
 * would otherwise remove it on the next apply. Other objects are returned unchanged.
 */
export function withOwnershipMarks(object: KubeObject, ownership: Ownership): KubeObject {
  const adopted = ownership.state === 'adopt' || (ownership.state === 'ours' && ownership.adopted);
  if (!adopted) return object;
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [AdoptedAnnotation]: 'true' } } };
}

/**
 * One error naming every object another Sync owns: nothing of the revision is applied (Stalled,
 * OwnershipConflict). The hint says how to hand an object over on purpose.
 */
export function ownershipConflictError(conflicts: ReadonlyArray<{ ref: ObjectRef; owner: Partial<SyncIdentity>; source?: { file: string; line: number } }>, sync: SyncIdentity): FerryError {
  const lines = conflicts.slice(0, 5).map(({ ref, owner, source }) => `${source ? `${source.file}:${source.line}: ` : ''}${describeObject(ref)} belongs to ${describeOwner(owner)}`);
  const more = conflicts.length > 5 ? `\n... and ${conflicts.length - 5} more` : '';
  const first = conflicts[0];
  return new FerryError('apply.ownership-conflict', `${conflicts.length} object(s) of this revision belong to another Sync; nothing was applied:\n${lines.join('\n')}${more}`, {
    ...(first?.source ? { file: first.source.file, line: first.source.line } : {}),
    hint: `remove the object from one of the two sources; to hand it to ${describeOwner(sync)} on purpose, first remove it from the other owner's source, then relabel it: kubectl label --overwrite <kind> <name> ${relabel(sync)}`,
  });
}

/** kubectl label arguments that make an object this Sync's (dropping a flag-mode kind label). */
function relabel(sync: SyncIdentity): string {
  const set = Object.entries(ownerLabels(sync)).map(([k, v]) => `${k}=${v}`);
  return [...set, ...(ownerKindOf(sync) === 'flags' ? [] : [`${OwnerKindLabel}-`])].join(' ');
}
