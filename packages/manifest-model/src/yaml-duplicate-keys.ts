import { isCollection, isMap, isPair, isScalar, type Document, type Node, type ParsedNode } from 'yaml';

/** A key that appears twice in one mapping, with the node of its second appearance. */
export interface DuplicateKey {
  key: string;
  node: Node;
}

/**
 * The first key repeated inside one mapping, in document order, or undefined. The yaml library's
 * own `uniqueKeys` check compares each key with every earlier one (quadratic: a values file with
 * 15,000 keys took over 30 s), so parse with `uniqueKeys: false` and call this: one Set per map.
 * Keys are equal when their scalar values are (`a` and `"a"` are, `1` and `"1"` are not), as the
 * library decides. `<<` merge keys may repeat; keys that are collections or aliases are not compared.
 */
export function findDuplicateKey(doc: Document.Parsed | Document): DuplicateKey | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    const seen = new Set<string>();
    const children: unknown[] = [];
    for (const item of node.items) {
      if (!isPair(item)) {
        children.push(item);
        continue;
      }
      children.push(item.key, item.value);
      if (!isMap(node) || !isScalar(item.key)) continue;
      const value: unknown = item.key.value;
      if (value === '<<') continue;
      const id = `${typeof value}:${String(value)}`;
      if (seen.has(id)) return { key: String(value), node: item.key as ParsedNode };
      seen.add(id);
    }
    // Reversed so that the walk visits earlier siblings first (the first duplicate in the text).
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return undefined;
}

/**
 * The first mapping key that is itself a mapping or a sequence (`{{ .Env }}: x` parses as one), or
 * undefined. Configuration keys are names; the yaml library would stringify such a key silently.
 */
export function findComplexKey(doc: Document.Parsed | Document): Node | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    for (const item of node.items) {
      if (!isPair(item)) {
        stack.push(item);
        continue;
      }
      if (isCollection(item.key)) return item.key as ParsedNode;
      stack.push(item.value);
    }
  }
  return undefined;
}
