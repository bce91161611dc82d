import { isMap, isScalar, isSeq } from 'yaml';
import {
  FerryError, editYaml, formatYamlPath, getMapEntry, lineOfNode, resolveAlias, tryParseImageReference,
  type YamlEdit, type YamlEditResult, type YamlFile, type YamlPath,
} from '@ferry/manifest-model';
import { applyChangeToReference, namesImage } from './image-change.js';
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
    } else if (reference !== '') candidate.tag = reference;
    found.push(candidate);
  });
  return found;
}

export function updateAtKey(file: YamlFile, change: ResolvedChange & { key: string[] }): YamlEditResult {
  checkKeyHoldsText(file, change.key);
  const edits: YamlEdit[] = extractAtKey(file, change.key, change.name).map((c) => {
    const ref = tryParseImageReference(c.reference);
    if (ref && namesImage(c.reference, change)) return { op: 'set', document: c.document, path: c.yamlPath, value: applyChangeToReference(ref, change) };
    if (change.tag === undefined) {
      throw new FerryError('input.missing-tag', `--key ${formatYamlPath(c.yamlPath)} in ${file.file} holds "${c.reference}", not a reference to ${change.name}, so it needs a tag`, {
        file: file.file, line: c.line, hint: 'give --tag (or --image NAME:TAG)',
      });
    }
    return { op: 'set', document: c.document, path: c.yamlPath, value: change.tag };
  });
  return editYaml(file, edits);
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
