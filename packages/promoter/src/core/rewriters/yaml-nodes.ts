import { isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import { lineOfNode, mapEntries, resolveAlias, resolveYamlPath, type YamlFile, type YamlPath } from '@ferry/manifest-model';

/** A scalar's value as written (plain `1.10` stays "1.10"); undefined for null, maps and sequences. */
export function scalarText(file: YamlFile, node: Node | null | undefined): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  if ((node.type === 'PLAIN' || node.type === undefined) && node.range) return file.content.slice(node.range[0], node.range[1]);
  return typeof node.value === 'string' ? node.value : String(node.value);
}

/** The logical entries of a mapping as a record of nodes (aliases and merges followed). */
export function fieldsOf(doc: Document.Parsed, map: YAMLMap): Map<string, Node | null> {
  return new Map(mapEntries(doc, map).map((e) => [e.key, e.value]));
}

export interface Visit { node: Node; path: YamlPath }

/**
 * Every node of a document reached by following aliases and merges, each physical node once
 * (the first logical path wins). Cycles through aliases are cut.
 */
export function walkDocument(doc: Document.Parsed, visitor: (visit: Visit) => void, from: YamlPath = []): void {
  const seen = new Set<Node>();
  const go = (node: Node | null, path: YamlPath): void => {
    if (!node || seen.has(node)) return;
    seen.add(node);
    visitor({ node, path });
    if (isMap(node)) for (const e of mapEntries(doc, node)) go(e.value, [...path, e.key]);
    else if (isSeq(node)) node.items.forEach((item, i) => go(resolveAlias(doc, item), [...path, i]));
  };
  const start = resolveYamlPath(doc, from);
  if (start) go(start, from);
}

export { lineOfNode };
