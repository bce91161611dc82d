import { isMap, isSeq, type Document } from 'yaml';
import {
  FerryError, editYaml, formatImageReference, lineOfNode, resolveAlias, type YamlEdit, type YamlFile,
} from '@ferry/manifest-model';
import { namesImage, parsePinnedTag, updatePinnedTag, type PinnedTag } from './image-change.js';
import type { Candidate, ResolvedChange, Rewriter } from './types.js';
import { fieldsOf, scalarText } from './yaml-nodes.js';

const KUSTOMIZATION_FILE = /(?:^|[\\/])(?:kustomization\.ya?ml|Kustomization)$/;
const KUSTOMIZE_API = /^kustomize\.config\.k8s\.io\//;

/**
 * kustomization.yaml `images[]`, with `kustomize edit set image` semantics: the entry whose `name`
 * is the image gets `newTag`/`digest` (given together: a tag alone drops a stale digest and a
 * digest alone drops the tag, as kustomize does) and `newName`; with no such entry one is added.
 *
 * Two deliberate differences from kustomize, both to keep the file as written: entries keep their
 * order and comments (kustomize re-sorts and re-serialises), and an existing `newName` is kept
 * unless --new-name is given (kustomize would drop it and silently point the image back at the
 * original repository). When no entry has the name but one has it as `newName`, that entry is
 * updated: adding a second entry named after the renamed image would change nothing when rendered.
 */
export const kustomizationRewriter: Rewriter = {
  kind: 'kustomization',
  extract(file) {
    const index = kustomizationDocument(file);
    return index === undefined ? null : entries(file, index).map((e) => e.candidate);
  },
  update(file, change) {
    const document = kustomizationDocument(file) ?? 0;
    const doc = file.documents[document];
    if (!doc || !isMap(resolveAlias(doc, doc.contents))) {
      throw new FerryError('edit.unsupported', `${file.file} is ${doc?.contents ? 'not a mapping' : 'empty'}: there is no kustomization to add the image to`, {
        file: file.file, hint: 'start it with "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization" and its resources',
      });
    }
    const all = entries(file, document);
    const matched = matchingEntries(all, change);
    const edits: YamlEdit[] = matched.length
      ? matched.flatMap((e) => entryEdits(file.file, document, e, change))
      : [{ op: 'append', document, path: ['images'], item: newEntry(change) }];
    return editYaml(file, edits);
  },
};

/** Whether a file is a kustomization: by file name, or by its `kind` and kustomize apiVersion. */
export function kustomizationDocument(file: YamlFile): number | undefined {
  if (KUSTOMIZATION_FILE.test(file.file)) return Math.max(0, file.documents.findIndex((d) => isKustomization(d, true)));
  const index = file.documents.findIndex((d) => isKustomization(d, false));
  return index < 0 ? undefined : index;
}

function isKustomization(doc: Document.Parsed, byName: boolean): boolean {
  const root = resolveAlias(doc, doc.contents);
  if (!isMap(root)) return false;
  const kind = root.get('kind');
  const apiVersion = root.get('apiVersion');
  if (kind !== 'Kustomization' && kind !== 'Component') return byName && kind === undefined;
  // Flux's Kustomization (kustomize.toolkit.fluxcd.io) is a cluster object, not a kustomization file.
  return apiVersion === undefined || (typeof apiVersion === 'string' && KUSTOMIZE_API.test(apiVersion));
}

interface Entry { index: number; name?: string; newName?: string; pinned?: PinnedTag; candidate: Candidate }

/**
 * The entries a change applies to: those named after the image; else those renaming to it
 * (`newName`); else, with --new-name, those already at the new name, so a rename run again is a
 * no-op instead of adding a second entry.
 */
function matchingEntries(all: Entry[], change: ResolvedChange): Entry[] {
  const byName = all.filter((e) => namesImage(e.name, change));
  if (byName.length) return byName;
  const byNewName = all.filter((e) => namesImage(e.newName, change));
  if (byNewName.length || change.newName === undefined) return byNewName;
  const renamed = { name: change.newName };
  return all.filter((e) => (e.newName !== undefined ? namesImage(e.newName, renamed) : namesImage(e.name, renamed)));
}

function entries(file: YamlFile, document: number): Entry[] {
  const doc = file.documents[document];
  if (!doc) return [];
  const root = resolveAlias(doc, doc.contents);
  const images = isMap(root) ? resolveAlias(doc, root.get('images', true)) : null;
  if (!isSeq(images)) return [];
  const out: Entry[] = [];
  images.items.forEach((item, index) => {
    const node = resolveAlias(doc, item);
    if (!isMap(node)) return;
    const fields = fieldsOf(doc, node);
    const name = scalarText(file, fields.get('name'));
    const newName = scalarText(file, fields.get('newName'));
    const tagText = scalarText(file, fields.get('newTag'));
    const pinned = parsePinnedTag(tagText);
    const tag = pinned?.tag ?? tagText;
    const digest = pinned?.digest ?? scalarText(file, fields.get('digest'));
    const shown = newName ?? name ?? '';
    const candidate: Candidate = {
      path: file.file,
      line: lineOfNode(file, node),
      yamlPath: ['images', index],
      reference: formatImageReference({ name: shown, tag, digest }),
      document,
      names: [name, newName].filter((n): n is string => n !== undefined),
    };
    if (tag !== undefined) candidate.tag = tag;
    if (digest !== undefined) candidate.digest = digest;
    const entry: Entry = { index, candidate };
    if (pinned) entry.pinned = pinned;
    if (name !== undefined) entry.name = name;
    if (newName !== undefined) entry.newName = newName;
    out.push(entry);
  });
  return out;
}

function entryEdits(file: string, document: number, entry: Entry, change: ResolvedChange): YamlEdit[] {
  const at = (key: string) => ['images', entry.index, key];
  const edits: YamlEdit[] = [];
  const renamed = change.newName !== undefined && (entry.newName !== undefined || !namesImage(entry.name, { name: change.newName }));
  if (renamed) edits.push({ op: 'set', document, path: at('newName'), value: change.newName!, after: ['name'] });
  if (entry.pinned) {
    // `newTag: 1.2.3@sha256:...` (kustomize appends newTag verbatim): keep the form, update both parts.
    const value = updatePinnedTag(entry.pinned, change, { file, line: entry.candidate.line, where: `images[${entry.index}].newTag` });
    edits.push({ op: 'set', document, path: at('newTag'), value });
  } else if (change.tag !== undefined || change.digest !== undefined) {
    if (change.tag !== undefined) edits.push({ op: 'set', document, path: at('newTag'), value: change.tag, after: ['newName', 'name'] });
    else edits.push({ op: 'delete', document, path: at('newTag') });
    if (change.digest !== undefined) edits.push({ op: 'set', document, path: at('digest'), value: change.digest, after: ['newTag', 'newName', 'name'] });
    else edits.push({ op: 'delete', document, path: at('digest') });
  }
  return edits;
}

/** Fields in the order kustomize's Image type declares them. */
function newEntry(change: ResolvedChange): [string, string][] {
  const item: [string, string][] = [['name', change.name]];
  if (change.newName !== undefined) item.push(['newName', change.newName]);
  if (change.tag !== undefined) item.push(['newTag', change.tag]);
  if (change.digest !== undefined) item.push(['digest', change.digest]);
  return item;
}
