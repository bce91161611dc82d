import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { FerryError } from './errors.js';
import { findBadCharacter } from './text-characters.js';
import { findDuplicateKey } from './yaml-duplicate-keys.js';

/** A step in a path through YAML: a mapping key or a sequence index. */
export type YamlPath = (string | number)[];

/** A parsed, possibly multi-document YAML file that remembers its text, name and line starts. */
export interface YamlFile {
  file: string;
  content: string;
  documents: Document.Parsed[];
  lineCounter: LineCounter;
}

/** Parses every document of a file; any syntax error becomes `yaml.invalid` with file, line and column. */
export function parseYamlFile(content: string, file: string): YamlFile {
  const bad = findBadCharacter(content);
  if (bad) {
    throw new FerryError('yaml.invalid', `not a YAML text file: it contains the control character ${bad.codePoint}`, {
      file, line: bad.line, column: bad.column,
      hint: 'YAML files are UTF-8 text; a binary file (or one saved in another encoding) cannot be edited',
    });
  }
  const lineCounter = new LineCounter();
  // YAML 1.2 structure; no `merge` option: `<<` stays an ordinary key and resolveYamlPath follows it.
  // Duplicate keys are found below in linear time (the library's own check is quadratic).
  const documents = parseAllDocuments(content, { lineCounter, prettyErrors: true, keepSourceTokens: false, uniqueKeys: false });
  const docs = Array.isArray(documents) ? documents : [];
  for (const doc of docs) {
    const duplicate = doc.errors.length === 0 ? findDuplicateKey(doc) : undefined;
    if (duplicate) {
      const pos = lineCounter.linePos(duplicate.node.range?.[0] ?? 0);
      throw new FerryError('yaml.invalid', `invalid YAML: duplicate key "${duplicate.key}" (a key may appear once per mapping)`, {
        file, line: pos.line, column: pos.col,
        hint: `the line reads: ${JSON.stringify(lineTextAt(content, pos.line))}; remove one of the two (tools disagree on which one wins)`,
      });
    }
    const error = doc.errors[0];
    if (!error) continue;
    const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    const headline = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const lineText = lineTextAt(content, pos.line);
    throw new FerryError('yaml.invalid', `invalid YAML: ${headline}`, {
      file,
      line: pos.line,
      column: pos.col,
      hint: `the line reads: ${JSON.stringify(lineText)}; fix the syntax there (template placeholders must be rendered first)`,
    });
  }
  return { file, content, documents: docs, lineCounter };
}

function lineTextAt(content: string, line: number): string {
  return (content.split(/\r?\n/)[line - 1] ?? '').replace(/^\uFEFF/, '').slice(0, 200);
}

/** 1-based line of a node's first character. */
export function lineOfNode(file: YamlFile, node: Node): number {
  return file.lineCounter.linePos(node.range?.[0] ?? 0).line;
}

/** Follows an alias to its anchored node; other nodes are returned as they are. */
export function resolveAlias(doc: Document.Parsed, node: unknown): Node | null {
  let current = node;
  for (let hops = 0; isAlias(current); hops++) {
    if (hops > 100) return null;
    current = current.resolve(doc) ?? null;
  }
  return (current as Node | null) ?? null;
}

/** The string a mapping key reads as (keys in GitOps files are scalars). */
export function keyText(pair: Pair): string {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return String(key);
}

export interface MapEntry {
  key: string;
  pair: Pair;
  /** The value with aliases followed; null for an empty value. */
  value: Node | null;
  /** The mapping that physically holds the pair (differs from the map asked about for `<<` merges). */
  owner: YAMLMap;
}

/**
 * The logical entries of a mapping as Helm and Kubernetes read it: own keys first, then keys
 * brought in by `<<` merge keys (an alias or a sequence of aliases) that the map does not override.
 */
export function mapEntries(doc: Document.Parsed, map: YAMLMap, depth = 0): MapEntry[] {
  return collectEntries(doc, map, depth, new Map());
}

/**
 * `memo` holds each merged map's entries once per call: a "merge bomb" (maps merging ten aliases of
 * the map before, nine levels deep) would otherwise expand 10^9 times. A map still being collected
 * reads as empty, which also cuts merge cycles.
 */
function collectEntries(doc: Document.Parsed, map: YAMLMap, depth: number, memo: Map<YAMLMap, MapEntry[]>): MapEntry[] {
  const known = memo.get(map);
  if (known) return known;
  memo.set(map, []);
  const own: MapEntry[] = [];
  const merged: MapEntry[] = [];
  for (const pair of map.items) {
    const key = keyText(pair);
    if (key === '<<' && isScalar(pair.key) && pair.key.type === 'PLAIN' && depth < 20) {
      const source = resolveAlias(doc, pair.value);
      const sources = isSeq(source) ? source.items.map((s) => resolveAlias(doc, s)) : [source];
      for (const s of sources) if (isMap(s)) merged.push(...collectEntries(doc, s, depth + 1, memo));
      continue;
    }
    own.push({ key, pair, value: resolveAlias(doc, pair.value), owner: map });
  }
  const seen = new Set(own.map((e) => e.key));
  for (const entry of merged) {
    if (seen.has(entry.key)) continue;
    seen.add(entry.key);
    own.push(entry);
  }
  memo.set(map, own);
  return own;
}

/** The logical entry for `key` in a mapping, or undefined. */
export function getMapEntry(doc: Document.Parsed, map: YAMLMap, key: string): MapEntry | undefined {
  return mapEntries(doc, map).find((e) => e.key === key);
}

/** Resolves a logical path (following aliases and merges) to its node, or undefined when absent. */
export function resolveYamlPath(doc: Document.Parsed, path: YamlPath): Node | null | undefined {
  let node: Node | null = resolveAlias(doc, doc.contents);
  for (const step of path) {
    if (typeof step === 'number') {
      if (!isSeq(node)) return undefined;
      const item: unknown = (node as YAMLSeq).items[step];
      if (item === undefined) return undefined;
      node = resolveAlias(doc, item);
    } else {
      if (!isMap(node)) return undefined;
      const entry = getMapEntry(doc, node, step);
      if (!entry) return undefined;
      node = entry.value;
    }
  }
  return node;
}

/**
 * Where each node physically sits in the document's own tree (aliases are leaves, `<<` is an
 * ordinary key). Two logical paths that reach one anchored node share its physical path.
 */
export function physicalPaths(doc: Document.Parsed): Map<Node, NodePlace> {
  const places = new Map<Node, NodePlace>();
  const visit = (node: unknown, path: YamlPath, inFlow: boolean): void => {
    if (!node || typeof node !== 'object') return;
    const flow = inFlow || ((isMap(node) || isSeq(node)) && node.flow === true);
    places.set(node as Node, { path, inFlow });
    if (isMap(node)) for (const pair of node.items) visit(pair.value, [...path, keyText(pair)], flow);
    else if (isSeq(node)) node.items.forEach((item, i) => visit(item, [...path, i], flow));
  };
  visit(doc.contents, [], false);
  return places;
}

export interface NodePlace {
  /** Path through the document's own tree (aliases not followed). */
  path: YamlPath;
  /** Whether the node sits inside a flow collection, where `,[]{}` end plain scalars. */
  inFlow: boolean;
}

/** `a.b[0].c`, for messages. */
export function formatYamlPath(path: YamlPath): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : `${out ? '.' : ''}${step}`;
  return out || '(document root)';
}
