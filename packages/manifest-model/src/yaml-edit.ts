import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { FerryError } from './errors.js';
import {
  formatYamlPath, getMapEntry, keyText, physicalPaths, resolveAlias, resolveYamlPath,
  type NodePlace, type YamlFile, type YamlPath,
} from './yaml-file.js';
import { canWritePlain, formatScalarLike, type ScalarStyle } from './yaml-scalar.js';
import { verifyYamlEdit, type ExpectedChange } from './yaml-verify.js';

/**
 * One intended change to a YAML file. Paths are logical (aliases and `<<` merges are followed),
 * so an edit through an alias changes the anchored node, and every alias of it follows.
 */
export type YamlEdit =
  /**
   * Set a string scalar; adds the last key to its mapping when absent (after the first present key
   * of `after`). With `create`, missing mappings on the way are created too (block style, below the
   * deepest mapping that exists).
   */
  | { op: 'set'; document: number; path: YamlPath; value: string; after?: string[]; create?: boolean }
  /** Remove a mapping entry, if present. */
  | { op: 'delete'; document: number; path: YamlPath }
  /** Append a mapping of strings to a sequence; a missing top-level key is created. */
  | { op: 'append'; document: number; path: YamlPath; item: [string, string][] };

export interface YamlChange {
  document: number;
  path: YamlPath;
  /** 1-based line in the edited content. */
  line: number;
  /** Previous value as written (without quotes); undefined when the entry was absent. */
  old?: string;
  /** New value; undefined for a removal. */
  new?: string;
}

export interface YamlEditResult {
  content: string;
  changes: YamlChange[];
}

interface Patch { start: number; end: number; text: string; order: number; newStart?: number }
/** A change to report, located `within` characters into the text of its patch. */
interface PendingChange { change: YamlChange; patch: Patch; within: number }

/**
 * Applies edits by replacing exactly the bytes of the target scalars (or inserting/removing whole
 * entries), then re-parses and verifies that nothing but the intended paths changed. Throws
 * `edit.verify-failed` (or `edit.unsupported`, `edit.conflict`) and returns nothing otherwise.
 * Edits that are already at target produce no patch and no change.
 */
export function editYaml(file: YamlFile, edits: YamlEdit[]): YamlEditResult {
  const eol = file.content.includes('\r\n') ? '\r\n' : '\n';
  const patches: Patch[] = [];
  const pending: PendingChange[] = [];
  const expected: ExpectedChange[] = [];
  const placesByDoc = new Map<number, Map<Node, NodePlace>>();
  const setTargets = new Map<Node, string>();
  const ctx: EditContext = { file, eol, patches, pending, expected, setTargets, inserted: new Map(), placesOf: (i) => {
    let places = placesByDoc.get(i);
    if (!places) placesByDoc.set(i, (places = physicalPaths(documentAt(file, i))));
    return places;
  } };
  edits.forEach((edit, order) => {
    if (edit.op === 'set') applySet(ctx, edit, order);
    else if (edit.op === 'delete') applyDelete(ctx, edit, order);
    else applyAppend(ctx, edit, order);
  });
  if (patches.length === 0) return { content: file.content, changes: [] };
  const content = applyPatches(file, patches);
  verifyYamlEdit(file, content, expected);
  const changes = pending.map(({ change, patch, within }) => ({ ...change, line: lineAt(content, (patch.newStart ?? 0) + within) }));
  return { content, changes };
}

interface EditContext {
  file: YamlFile;
  eol: string;
  patches: Patch[];
  pending: PendingChange[];
  expected: ExpectedChange[];
  setTargets: Map<Node, string>;
  /** Keys already added per mapping, so two edits reaching one mapping add a key once. */
  inserted: Map<YAMLMap, Map<string, string>>;
  placesOf(document: number): Map<Node, NodePlace>;
}

function documentAt(file: YamlFile, index: number): Document.Parsed {
  const doc = file.documents[index];
  if (!doc) throw new FerryError('edit.invalid', `${file.file} has no YAML document number ${index + 1}`, { file: file.file });
  return doc;
}

function fail(ctx: EditContext, code: string, message: string, node?: Node | null, hint?: string): never {
  const at = node?.range?.[0];
  const pos = at === undefined ? undefined : ctx.file.lineCounter.linePos(at);
  throw new FerryError(code, message, { file: ctx.file.file, ...(pos ? { line: pos.line, column: pos.col } : {}), ...(hint ? { hint } : {}) });
}

function applySet(ctx: EditContext, edit: Extract<YamlEdit, { op: 'set' }>, order: number): void {
  const doc = documentAt(ctx.file, edit.document);
  const parentPath = edit.path.slice(0, -1);
  const last = edit.path[edit.path.length - 1];
  const parent = resolveYamlPath(doc, parentPath);
  const where = formatYamlPath(edit.path);
  if (edit.create && last !== undefined && parent === undefined) return createPath(ctx, edit, order);
  if (last === undefined || parent === undefined || parent === null) fail(ctx, 'edit.path-not-found', `${where} does not exist`);
  let target: Node | null | undefined;
  if (typeof last === 'number') {
    if (!isSeq(parent)) fail(ctx, 'edit.path-not-found', `${formatYamlPath(parentPath)} is not a sequence`, parent);
    target = resolveAlias(doc, (parent as YAMLSeq).items[last]);
    if (target === null || target === undefined) fail(ctx, 'edit.path-not-found', `${where} does not exist`, parent);
  } else {
    if (!isMap(parent)) fail(ctx, 'edit.path-not-found', `${formatYamlPath(parentPath)} is not a mapping`, parent);
    const entry = getMapEntry(doc, parent, last);
    if (!entry) return insertPair(ctx, edit, parent, last, order);
    target = entry.value ?? (entry.pair.value as Node | null);
    if (target === null) return replaceEmptyValue(ctx, edit, entry.pair, order);
  }
  if (!isScalar(target)) fail(ctx, 'edit.not-scalar', `${where} is a ${isMap(target) ? 'mapping' : 'sequence'}, not a scalar`, target, 'point the path at a string value');
  const scalar = target as Scalar;
  const place = ctx.placesOf(edit.document).get(scalar);
  if (!place || !scalar.range) fail(ctx, 'edit.unsupported', `cannot locate ${where} in the source`, scalar);
  const previous = ctx.setTargets.get(scalar);
  if (previous !== undefined) {
    if (previous !== edit.value) fail(ctx, 'edit.conflict', `${where} would be set to both "${previous}" and "${edit.value}" (they share one anchored node)`, scalar);
    return;
  }
  ctx.setTargets.set(scalar, edit.value);
  const style = scalar.type ?? 'PLAIN';
  if (style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED') {
    fail(ctx, 'edit.unsupported', `${where} is a block scalar (| or >); Ferry only rewrites plain and quoted scalars`, scalar);
  }
  if (typeof scalar.value === 'string' && scalar.value === edit.value && (style !== 'PLAIN' || canWritePlain(edit.value, place.inFlow))) return;
  let text = formatScalarLike(edit.value, style as ScalarStyle, place.inFlow);
  const [start, end] = scalar.range;
  if (start === end) {
    // An empty value: keep the separating blanks YAML needs around the new text.
    if (ctx.file.content[start - 1] === ':') text = ` ${text}`;
    if (!/^(?:[ \t\r\n]|$)/.test(ctx.file.content.slice(end, end + 1))) text = `${text} `;
  }
  const patch = { start, end, text, order };
  ctx.patches.push(patch);
  ctx.expected.push({ document: edit.document, kind: 'set', path: place.path, value: edit.value });
  ctx.pending.push({ patch, within: 0, change: { document: edit.document, path: edit.path, line: 0, old: sourceText(ctx, scalar), new: edit.value } });
}

/** The scalar's value as written: `1.10` stays `1.10` though it reads as a number. */
function sourceText(ctx: EditContext, scalar: Scalar): string {
  if (scalar.type === 'PLAIN' || scalar.type === undefined) {
    const [start, end] = scalar.range ?? [0, 0];
    return ctx.file.content.slice(start, end);
  }
  return scalar.value === null || scalar.value === undefined ? '' : String(scalar.value);
}

function replaceEmptyValue(ctx: EditContext, edit: Extract<YamlEdit, { op: 'set' }>, pair: Pair, order: number): void {
  // `key:` with nothing after it: the yaml package gives no value node, so insert after the colon.
  const keyNode = pair.key as Node;
  const colon = ctx.file.content.indexOf(':', keyNode.range?.[1] ?? 0);
  const place = ctx.placesOf(edit.document);
  const mapPlace = [...place.entries()].find(([node]) => isMap(node) && (node as YAMLMap).items.includes(pair))?.[1];
  if (colon < 0 || !mapPlace) fail(ctx, 'edit.unsupported', `cannot locate ${formatYamlPath(edit.path)} in the source`, keyNode);
  const patch = { start: colon + 1, end: colon + 1, text: ` ${formatScalarLike(edit.value, 'PLAIN', mapPlace.inFlow)}`, order };
  ctx.patches.push(patch);
  ctx.expected.push({ document: edit.document, kind: 'set', path: [...mapPlace.path, keyText(pair)], value: edit.value });
  ctx.pending.push({ patch, within: 0, change: { document: edit.document, path: edit.path, line: 0, old: '', new: edit.value } });
}

function insertPair(ctx: EditContext, edit: Extract<YamlEdit, { op: 'set' }>, map: YAMLMap, key: string, order: number): void {
  const place = ctx.placesOf(edit.document).get(map);
  if (!place || !map.range) fail(ctx, 'edit.unsupported', `cannot locate ${formatYamlPath(edit.path.slice(0, -1))} in the source`, map);
  const added = ctx.inserted.get(map) ?? new Map<string, string>();
  ctx.inserted.set(map, added);
  const previous = added.get(key);
  if (previous !== undefined) {
    if (previous !== edit.value) fail(ctx, 'edit.conflict', `${formatYamlPath(edit.path)} would be added as both "${previous}" and "${edit.value}"`, map);
    return;
  }
  added.set(key, edit.value);
  const content = ctx.file.content;
  const inFlow = place.inFlow || map.flow === true;
  const keyText_ = formatScalarLike(key, 'PLAIN', inFlow);
  const valueText = formatScalarLike(edit.value, 'PLAIN', inFlow);
  let at: number;
  let text: string;
  if (map.flow) {
    at = content.lastIndexOf('}', map.range[1] - 1);
    text = `${map.items.length ? ', ' : ''}${keyText_}: ${valueText}`;
  } else {
    const anchorPair = (edit.after ?? []).map((k) => map.items.find((p) => keyText(p) === k)).find((p) => p !== undefined)
      ?? map.items[map.items.length - 1];
    if (!anchorPair) fail(ctx, 'edit.unsupported', `cannot add ${key} to an empty mapping`, map);
    const firstKey = map.items[0]!.key as Node;
    const indent = indentOf(content, firstKey.range![0]);
    ({ at, text } = lineInsertion(content, endOfPair(anchorPair), `${indent}${keyText_}: ${valueText}`, ctx.eol));
  }
  const patch = { start: at, end: at, text, order };
  ctx.patches.push(patch);
  ctx.expected.push({ document: edit.document, kind: 'set', path: [...place.path, key], value: edit.value });
  ctx.pending.push({ patch, within: Math.max(0, text.search(/[^\s,]/)), change: { document: edit.document, path: edit.path, line: 0, new: edit.value } });
}

/**
 * `set` with `create` where the parent is missing: nests the missing keys as block mappings below
 * the deepest existing mapping, indented by the step the document already uses (2 by default).
 */
function createPath(ctx: EditContext, edit: Extract<YamlEdit, { op: 'set' }>, order: number): void {
  const doc = documentAt(ctx.file, edit.document);
  let depth = edit.path.length - 1;
  let node: Node | null | undefined;
  while (depth > 0 && (node = resolveYamlPath(doc, edit.path.slice(0, depth))) === undefined) depth--;
  if (depth === 0) node = resolveAlias(doc, doc.contents);
  const existing = formatYamlPath(edit.path.slice(0, depth)) || 'the document';
  const missing = edit.path.slice(depth);
  if (!isMap(node)) fail(ctx, 'edit.path-not-found', `cannot create ${formatYamlPath(edit.path)}: ${existing} is ${node === null || node === undefined ? 'empty' : `a ${isSeq(node) ? 'sequence' : 'scalar'}`}, not a mapping`, node);
  const map = node as YAMLMap;
  if (missing.some((step) => typeof step !== 'string')) fail(ctx, 'edit.path-not-found', `cannot create ${formatYamlPath(edit.path)}: a sequence item cannot be created`, map);
  const place = ctx.placesOf(edit.document).get(map);
  if (!place || !map.range || map.flow || place.inFlow || map.items.length === 0) {
    fail(ctx, 'edit.unsupported', `cannot create ${formatYamlPath(edit.path)} inside ${existing}: only a non-empty block mapping takes new keys`, map);
  }
  const content = ctx.file.content;
  const indent = indentOf(content, (map.items[0]!.key as Node).range![0]);
  const step = indentStep(content, doc.contents);
  const keys = missing as string[];
  const lines = keys.map((key, i) => `${indent}${' '.repeat(step * i)}${formatScalarLike(key, 'PLAIN', false)}:${i === keys.length - 1 ? ` ${formatScalarLike(edit.value, 'PLAIN', false)}` : ''}`);
  const { at, text } = lineInsertion(content, endOfPair(map.items[map.items.length - 1]!), lines.join(ctx.eol), ctx.eol);
  const patch = { start: at, end: at, text, order };
  ctx.patches.push(patch);
  for (let i = 1; i < keys.length; i++) {
    const item: [string, string][] = i === keys.length - 1 ? [[keys[i]!, edit.value]] : [];
    ctx.expected.push({ document: edit.document, kind: 'add-item', path: [...place.path, ...keys.slice(0, i)], item });
  }
  const within = text.lastIndexOf(lines[lines.length - 1]!.trimStart());
  ctx.pending.push({ patch, within, change: { document: edit.document, path: edit.path, line: 0, new: edit.value } });
}

/** How far a nested block mapping is indented under its key in this document (2 when none is). */
function indentStep(content: string, root: unknown): number {
  const visit = (node: unknown, depth: number): number | undefined => {
    if (!isMap(node) || node.flow || depth > 50) return undefined;
    for (const pair of node.items) {
      const value = pair.value as Node | null;
      if (isMap(value) && !value.flow && value.items.length && (pair.key as Node).range && (value.items[0]!.key as Node).range) {
        const col = (pos: number) => pos - content.lastIndexOf('\n', pos - 1) - 1;
        const step = col((value.items[0]!.key as Node).range![0]) - col((pair.key as Node).range![0]);
        if (step > 0) return step;
      }
      const found = visit(value, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(root, 0) ?? 2;
}

function applyDelete(ctx: EditContext, edit: Extract<YamlEdit, { op: 'delete' }>, order: number): void {
  const doc = documentAt(ctx.file, edit.document);
  const parent = resolveYamlPath(doc, edit.path.slice(0, -1));
  const key = edit.path[edit.path.length - 1];
  if (!isMap(parent) || typeof key !== 'string') return;
  const entry = getMapEntry(doc, parent, key);
  if (!entry) return;
  const map = entry.owner;
  const place = ctx.placesOf(edit.document).get(map);
  const index = map.items.indexOf(entry.pair);
  const keyNode = entry.pair.key as Node;
  if (!place || !keyNode.range) fail(ctx, 'edit.unsupported', `cannot locate ${formatYamlPath(edit.path)}`, keyNode);
  const content = ctx.file.content;
  const keyStart = keyNode.range[0];
  const next = map.items[index + 1];
  let start: number;
  let end: number;
  if (map.flow) {
    if (next) [start, end] = [keyStart, (next.key as Node).range![0]];
    else if (index > 0) [start, end] = [pairValueEnd(map.items[index - 1]!), pairValueEnd(entry.pair)];
    else [start, end] = [keyStart, pairValueEnd(entry.pair)];
  } else {
    const lineStart = content.lastIndexOf('\n', keyStart - 1) + 1;
    if (/^[ \t\uFEFF]*$/.test(content.slice(lineStart, keyStart))) [start, end] = [lineStart, endOfPair(entry.pair)];
    else if (next) [start, end] = [keyStart, (next.key as Node).range![0]];
    else fail(ctx, 'edit.unsupported', `cannot remove the only key of ${formatYamlPath(edit.path.slice(0, -1))}`, keyNode);
  }
  const old = isScalar(entry.value) ? sourceText(ctx, entry.value) : '';
  const patch = { start, end, text: '', order };
  ctx.patches.push(patch);
  ctx.expected.push({ document: edit.document, kind: 'delete', path: [...place.path, key] });
  ctx.pending.push({ patch, within: 0, change: { document: edit.document, path: edit.path, line: 0, old } });
}

function applyAppend(ctx: EditContext, edit: Extract<YamlEdit, { op: 'append' }>, order: number): void {
  const doc = documentAt(ctx.file, edit.document);
  const content = ctx.file.content;
  const seq = resolveYamlPath(doc, edit.path);
  const fields = (flow: boolean) => edit.item.map(([k, v]) => `${formatScalarLike(k, 'PLAIN', flow)}: ${formatScalarLike(v, 'PLAIN', flow)}`);
  let at: number;
  let text: string;
  let seqPath: YamlPath;
  let index: number;
  if (seq === undefined) {
    const root = resolveAlias(doc, doc.contents);
    const key = edit.path[0];
    if (edit.path.length !== 1 || typeof key !== 'string' || !isMap(root) || root.flow || !root.range || root.items.length === 0) {
      fail(ctx, 'edit.unsupported', `cannot create ${formatYamlPath(edit.path)} here; add "${formatYamlPath(edit.path)}: []" first`);
    }
    const indent = indentOf(content, (root.items[0]!.key as Node).range![0]);
    const [first, ...rest] = fields(false);
    const lines = [`${indent}${key}:`, `${indent}- ${first}`, ...rest.map((f) => `${indent}  ${f}`)];
    ({ at, text } = lineInsertion(content, endOfPair(root.items[root.items.length - 1]!), lines.join(ctx.eol), ctx.eol));
    seqPath = [...(ctx.placesOf(edit.document).get(root)?.path ?? []), key];
    index = 0;
    ctx.expected.push({ document: edit.document, kind: 'add-seq', path: seqPath });
  } else {
    if (!isSeq(seq) || !seq.range) fail(ctx, 'edit.unsupported', `${formatYamlPath(edit.path)} is not a sequence`, seq);
    const place = ctx.placesOf(edit.document).get(seq);
    if (!place) fail(ctx, 'edit.unsupported', `cannot locate ${formatYamlPath(edit.path)}`, seq);
    seqPath = place.path;
    index = seq.items.length;
    if (seq.flow) {
      at = content.lastIndexOf(']', seq.range[1] - 1);
      text = `${seq.items.length ? ', ' : ''}{${fields(true).join(', ')}}`;
    } else {
      const dash = seq.range[0];
      const indent = indentOf(content, dash);
      const firstItem = resolveAlias(doc, seq.items[0]);
      const firstKey = isMap(firstItem) ? (firstItem.items[0]?.key as Node | undefined)?.range?.[0] : undefined;
      const inner = firstKey !== undefined && firstKey > dash && !content.slice(dash, firstKey).includes('\n') ? firstKey - dash : 2;
      const [first, ...rest] = fields(false);
      const lines = [`${indent}-${' '.repeat(inner - 1)}${first}`, ...rest.map((f) => `${indent}${' '.repeat(inner)}${f}`)];
      ({ at, text } = lineInsertion(content, seq.range[2], lines.join(ctx.eol), ctx.eol));
    }
  }
  const patch = { start: at, end: at, text, order };
  ctx.patches.push(patch);
  ctx.expected.push({ document: edit.document, kind: 'add-item', path: [...seqPath, index], item: edit.item });
  const shown = edit.item.map(([k, v]) => `${k}: ${v}`).join(', ');
  ctx.pending.push({ patch, within: Math.max(0, text.search(/-\s|\{/)), change: { document: edit.document, path: [...edit.path, index], line: 0, new: `{${shown}}` } });
}

/** The whitespace a line must start with to put a key at `pos`'s column (a `- ` becomes spaces). */
function indentOf(content: string, pos: number): string {
  const lineStart = content.lastIndexOf('\n', pos - 1) + 1;
  return content.slice(lineStart, pos).replace(/^\uFEFF/, '').replace(/[^\t]/g, ' ');
}

function pairValueEnd(pair: Pair): number {
  const node = (pair.value ?? pair.key) as Node;
  return node.range![1];
}

/** Where the text of a block pair ends: after its value and any comment on the same line. */
function endOfPair(pair: Pair): number {
  const node = (pair.value ?? pair.key) as Node;
  return node.range![2];
}

/** Inserts whole lines after the line that holds `pos` (or at end of file, adding the missing line break). */
function lineInsertion(content: string, pos: number, lines: string, eol: string): { at: number; text: string } {
  if (pos > 0 && content[pos - 1] === '\n') return { at: pos, text: `${lines}${eol}` };
  const newline = content.indexOf('\n', pos);
  if (newline >= 0) return { at: newline + 1, text: `${lines}${eol}` };
  return { at: content.length, text: `${eol}${lines}` };
}

function applyPatches(file: YamlFile, patches: Patch[]): string {
  const sorted = [...patches].sort((a, b) => a.start - b.start || a.order - b.order);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.end) {
      throw new FerryError('edit.conflict', 'two edits overlap in the source', { file: file.file, line: file.lineCounter.linePos(sorted[i]!.start).line });
    }
  }
  let out = '';
  let cursor = 0;
  for (const p of sorted) {
    out += file.content.slice(cursor, p.start);
    p.newStart = out.length;
    out += p.text;
    cursor = p.end;
  }
  return out + file.content.slice(cursor);
}

function lineAt(content: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < content.length; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
}
