import { isAlias, isMap, isScalar, isSeq, type Document } from 'yaml';
import { FerryError } from './errors.js';
import { formatYamlPath, keyText, parseYamlFile, type YamlFile, type YamlPath } from './yaml-file.js';

/** What an edit is meant to do, in physical paths (aliases not followed). */
export type ExpectedChange =
  | { document: number; kind: 'set'; path: YamlPath; value: string }
  | { document: number; kind: 'delete'; path: YamlPath }
  | { document: number; kind: 'add-seq'; path: YamlPath }
  | { document: number; kind: 'add-item'; path: YamlPath; item: [string, string][] };

interface Entry { path: YamlPath; desc: string }

/**
 * Re-parses the edited text and compares every node of every document with the original plus the
 * intended changes: values, anchors, aliases, explicit tags and structure. Any other difference
 * (a swallowed comment turned into a key, a quote that changed a type, ...) throws
 * `edit.verify-failed`, so nothing is written.
 */
export function verifyYamlEdit(before: YamlFile, afterContent: string, expected: ExpectedChange[]): void {
  const fail = (why: string): never => {
    throw new FerryError('edit.verify-failed', `refusing to write ${before.file}: after the edit ${why}`, {
      file: before.file,
      hint: 'this is a bug in Ferry or an unusual YAML construct; please report it with the file',
    });
  };
  let after: YamlFile;
  try {
    after = parseYamlFile(afterContent, before.file);
  } catch (err) {
    return fail(`the file no longer parses (${err instanceof Error ? err.message : String(err)})`);
  }
  if (after.documents.length !== before.documents.length) fail(`it has ${after.documents.length} documents instead of ${before.documents.length}`);
  before.documents.forEach((doc, i) => {
    const want = flattenDocument(doc);
    for (const change of expected.filter((c) => c.document === i)) applyExpected(want, change);
    const got = flattenDocument(after.documents[i]!);
    for (const [key, entry] of want) {
      const other = got.get(key);
      if (other?.desc !== entry.desc) fail(`${formatYamlPath(entry.path)} in document ${i + 1} would read ${other ? explain(other.desc) : 'nothing'} instead of ${explain(entry.desc)}`);
    }
    for (const [key, entry] of got) if (!want.has(key)) fail(`${formatYamlPath(entry.path)} in document ${i + 1} would appear (${explain(entry.desc)})`);
  });
}

function applyExpected(want: Map<string, Entry>, change: ExpectedChange): void {
  const key = JSON.stringify(change.path);
  switch (change.kind) {
    case 'set': {
      const old = want.get(key)?.desc.split('|');
      const props = old && old[0] === 's' ? `${old[1]}|${old[2]}` : '|';
      want.set(key, { path: change.path, desc: `s|${props}|string:${change.value}` });
      return;
    }
    case 'delete': {
      const prefix = key.slice(0, -1);
      for (const k of [...want.keys()]) if (k === key || k.startsWith(`${prefix},`)) want.delete(k);
      return;
    }
    case 'add-seq':
      want.set(key, { path: change.path, desc: 'q||' });
      return;
    case 'add-item':
      want.set(key, { path: change.path, desc: 'm||' });
      for (const [k, v] of change.item) want.set(JSON.stringify([...change.path, k]), { path: [...change.path, k], desc: `s|||string:${v}` });
      return;
  }
}

/** Every node of a document by physical path, described by kind, anchor, explicit tag and value. */
function flattenDocument(doc: Document.Parsed): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const visit = (node: unknown, path: YamlPath): void => {
    if (node === null || node === undefined) {
      out.set(JSON.stringify(path), { path, desc: 'null' });
      return;
    }
    const props = (n: { anchor?: string | undefined; tag?: string | undefined }) => `${n.anchor ?? ''}|${n.tag ?? ''}`;
    let desc: string;
    if (isAlias(node)) desc = `*${node.source}`;
    else if (isScalar(node)) desc = `s|${props(node)}|${node.value === null ? 'null' : typeof node.value}:${String(node.value)}`;
    else if (isMap(node)) desc = `m|${props(node)}`;
    else if (isSeq(node)) desc = `q|${props(node)}`;
    else desc = `?${String(node)}`;
    out.set(JSON.stringify(path), { path, desc });
    if (isMap(node)) for (const pair of node.items) visit(pair.value, [...path, keyText(pair)]);
    else if (isSeq(node)) node.items.forEach((item, i) => visit(item, [...path, i]));
  };
  if (doc.contents !== null) visit(doc.contents, []);
  return out;
}

/** An entry description in words: `the number 3 (anchor &x)`, `a mapping`, `an alias of &x`. */
function explain(desc: string): string {
  if (desc === 'null') return 'an empty value';
  if (desc.startsWith('*')) return `an alias of &${desc.slice(1)}`;
  const [kind, anchor, tag, ...rest] = desc.split('|');
  const props = `${anchor ? ` (anchor &${anchor})` : ''}${tag ? ` (tag ${tag})` : ''}`;
  if (kind === 'm') return `a mapping${props}`;
  if (kind === 'q') return `a sequence${props}`;
  const value = rest.join('|');
  const colon = value.indexOf(':');
  return `the ${value.slice(0, colon)} ${JSON.stringify(value.slice(colon + 1))}${props}`;
}
