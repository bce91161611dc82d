import { isMap, isScalar, isSeq, type Node } from 'yaml';
import {
  FerryError, editYaml, formatYamlPath, getMapEntry, lineOfNode, resolveAlias, tryParseImageReference,
  type YamlEdit, type YamlEditResult, type YamlFile, type YamlPath,
} from '@ferry/manifest-model';
import { applyChangeToReference, matchesChange, namesImage, parsePinnedTag, updatePinnedTag } from './image-change.js';
import type { Candidate, ResolvedChange } from './types.js';
import { scalarText } from './yaml-nodes.js';

/**
 * `--key a.b.0.c`: exactly one scalar per document that has the path. When it holds a reference
 * to the image, the reference is rewritten; anything else is set to the tag.
 */
export function extractAtKey(file: YamlFile, key: string[], image?: string): Candidate[] {
  const found: Candidate[] = [];
  file.documents.forEach((doc, document) => {
    const hit = resolveKey(file, document, key);
    if (!hit) return;
    const { node, path } = hit;
    if (!isScalar(node)) {
      throw new FerryError('input.key-not-scalar', `--key ${key.join('.')} is a ${isMap(node) ? 'mapping' : 'sequence'} in ${file.file}, not a value`, {
        file: file.file, line: lineOfNode(file, node), hint: 'point --key at the scalar that holds the tag or image',
      });
    }
    const reference = scalarText(file, node) ?? '';
    const ref = tryParseImageReference(reference);
    const candidate: Candidate = { path: file.file, line: lineOfNode(file, node), yamlPath: path, reference, document, names: ref ? [ref.name] : [] };
    if (ref && image !== undefined && namesImage(reference, { name: image })) {
      if (ref.tag !== undefined) candidate.tag = ref.tag;
      if (ref.digest !== undefined) candidate.digest = ref.digest;
    } else if (reference !== '') {
      const pinned = parsePinnedTag(reference);
      candidate.tag = pinned?.tag ?? reference;
      if (pinned) candidate.digest = pinned.digest;
    }
    found.push(candidate);
  });
  return found;
}

/**
 * Sets the value at `--key` in every document that has the path. A file where no document has it
 * gets it created (missing mappings too), in its only document: `created` says so.
 */
export function updateAtKey(file: YamlFile, change: ResolvedChange & { key: string[] }): YamlEditResult & { created: boolean } {
  checkKeyHoldsText(file, change.key);
  const found = extractAtKey(file, change.key, change.name);
  if (found.length === 0) return { ...editYaml(file, [createKeyEdit(file, change)]), created: true };
  const edits: YamlEdit[] = found.map((c) => {
    const ref = tryParseImageReference(c.reference);
    if (ref && matchesChange(c.reference, change)) return { op: 'set', document: c.document, path: c.yamlPath, value: applyChangeToReference(ref, change) };
    const pinned = parsePinnedTag(c.reference);
    if (pinned) return { op: 'set', document: c.document, path: c.yamlPath, value: updatePinnedTag(pinned, change, { file: file.file, line: c.line, where: `--key ${formatYamlPath(c.yamlPath)}` }) };
    if (change.tag === undefined) {
      throw new FerryError('input.missing-tag', `--key ${formatYamlPath(c.yamlPath)} in ${file.file} holds "${c.reference}", not a reference to ${change.name}, so it needs a tag`, {
        file: file.file, line: c.line, hint: 'give --tag (or --image NAME:TAG)',
      });
    }
    if (change.digest !== undefined) {
      // A plain tag value has no room for the digest: writing the tag alone would drop the pin silently.
      throw new FerryError('input.no-digest-key', `--key ${formatYamlPath(c.yamlPath)} in ${file.file} holds the plain tag "${c.reference}", so the digest ${change.digest} cannot be written there`, {
        file: file.file, line: c.line, hint: 'write the value once as TAG@sha256:... (Ferry keeps that form and updates both parts), point --key at a value that holds the whole image reference, or promote the tag alone (no --pin-digest or pinDigest, no @DIGEST)',
      });
    }
    return { op: 'set', document: c.document, path: c.yamlPath, value: change.tag };
  });
  return { ...editYaml(file, edits), created: false };
}

/**
 * The edit that creates a missing `--key` path (as Argo CD Image Updater and Kargo do): the tag,
 * in the file's only document, below the deepest mapping of the path that exists.
 */
function createKeyEdit(file: YamlFile, change: ResolvedChange & { key: string[] }): YamlEdit {
  const key = change.key.join('.');
  const refuse = (why: string, hint: string, line?: number): never => {
    throw new FerryError('input.key-not-creatable', `--key ${key} is not in ${file.file} and cannot be created: ${why}`, { file: file.file, ...(line ? { line } : {}), hint });
  };
  if (file.documents.length !== 1) {
    refuse(`the file has ${file.documents.length} YAML documents`, 'add the key to the document it belongs in, then run again');
  }
  const doc = file.documents[0]!;
  const root = resolveAlias(doc, doc.contents);
  if (!isMap(root) || root.items.length === 0) refuse('the file is not a mapping with keys', 'add the key by hand, then run again');
  // Follow the path while it exists; a scalar (or an empty value) on the way cannot take keys.
  let node: Node | null = root;
  const path: YamlPath = [];
  for (const step of change.key) {
    if (isSeq(node) && /^\d+$/.test(step) && Number(step) < node.items.length) {
      node = resolveAlias(doc, node.items[Number(step)]);
      path.push(Number(step));
    } else if (isMap(node)) {
      const entry = getMapEntry(doc, node, step);
      if (!entry) break;
      node = entry.value;
      path.push(step);
    } else {
      const what = node === null ? 'empty' : isSeq(node) ? 'a sequence without that item' : 'a value';
      refuse(`${formatYamlPath(path)} is ${what}, not a mapping`, 'check the path; a key is created only below existing mappings', node ? lineOfNode(file, node) : undefined);
    }
  }
  if (path.length < change.key.length && !isMap(node)) refuse(`${formatYamlPath(path)} is not a mapping`, 'check the path; a key is created only below existing mappings', node ? lineOfNode(file, node) : undefined);
  if (isMap(node) && (node.flow || node.items.length === 0)) {
    refuse(`${formatYamlPath(path)} is a flow or empty mapping ({...}); Ferry adds keys to block mappings only`, 'write the mapping in block style, or add the key by hand', lineOfNode(file, node));
  }
  if (change.tag === undefined) refuse('a created key gets the tag, and none is given', 'give --tag (or --image NAME:TAG)');
  return { op: 'set', document: 0, path: [...path, ...change.key.slice(path.length)], value: change.tag!, create: true };
}

/** Resolves dotted steps: a numeric step indexes a sequence, any other step is a mapping key. */
function resolveKey(file: YamlFile, document: number, key: string[]) {
  const doc = file.documents[document]!;
  let node = resolveAlias(doc, doc.contents);
  const path: YamlPath = [];
  for (const step of key) {
    if (isSeq(node) && /^\d+$/.test(step)) {
      const index = Number(step);
      if (index >= node.items.length) return undefined;
      node = resolveAlias(doc, node.items[index]);
      path.push(index);
    } else if (isMap(node)) {
      const entry = getMapEntry(doc, node, step);
      if (!entry) return undefined;
      node = entry.value;
      path.push(step);
    } else return undefined;
  }
  return node ? { node, path } : undefined;
}

/**
 * `--key` writes a string; it only goes where a string (or nothing) is: `replicas: 3` or
 * `enabled: true` under a mistyped key must not silently become a tag. A tag that YAML reads as a
 * number (`tag: 1.10`) must be quoted in the file first, which also keeps the chart from seeing 1.1.
 */
function checkKeyHoldsText(file: YamlFile, key: string[]): void {
  file.documents.forEach((_, document) => {
    const node = resolveKey(file, document, key)?.node;
    if (!isScalar(node) || node.value === null || node.value === undefined || typeof node.value === 'string') return;
    const type = typeof node.value === 'boolean' ? 'boolean' : typeof node.value === 'number' && Number.isInteger(node.value) ? 'integer' : typeof node.value === 'number' ? 'float' : typeof node.value;
    const text = scalarText(file, node) ?? String(node.value);
    throw new FerryError('input.key-not-string', `--key ${key.join('.')} in ${file.file} holds the ${type} ${text}, not a string; Ferry writes a tag or image only where a string (or nothing) is`, {
      file: file.file, line: lineOfNode(file, node),
      hint: `check that --key names the tag or image; if this value is a tag, quote it in the file ("${text}") and run again`,
    });
  });
}
