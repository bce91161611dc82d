// Malformed manifest files as the agent renders them (plain mode): one row per case, read by
// manifests.bad-input.test.ts. Each must be refused with this code, naming the file and line, so
// that the reconcile applies nothing and prunes nothing.
export interface ManifestCase {
  name: string;
  /** Raw bytes of the file (decoded by the agent's strict UTF-8 decoder first). */
  bytes: Uint8Array;
  code: 'render.yaml' | 'render.object' | 'render.encoding';
  says: string;
  line: number;
}

const cm = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
const text = (s: string) => new TextEncoder().encode(s);
const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  .concat('bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)).join('\n  ');

export const MANIFEST_CASES: ManifestCase[] = [
  { name: 'alias bomb in data', bytes: text(cm('bomb', `data:\n  ${laughs}\n`)), code: 'render.yaml', says: 'too many alias expansions', line: 1 },
  { name: 'alias bomb in the second document', bytes: text(`${cm('ok')}---\n${cm('bomb', `data:\n  ${laughs}\n`)}`), code: 'render.yaml', says: 'too many alias expansions', line: 6 },
  { name: 'duplicate key', bytes: text(`${cm('a')}metadata:\n  name: b\n`), code: 'render.yaml', says: 'duplicate key "metadata"', line: 5 },
  { name: 'duplicate key in data', bytes: text(cm('a', 'data:\n  k: "1"\n  k: "2"\n')), code: 'render.yaml', says: 'duplicate key "k"', line: 7 },
  { name: 'duplicate key in JSON', bytes: text('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"kind":"Secret"}'), code: 'render.yaml', says: 'duplicate key "kind"', line: 1 },
  { name: 'invalid UTF-8 (Latin-1 é)', bytes: new Uint8Array([...text(cm('a', 'data:\n  k: caf')), 0xe9, 0x0a]), code: 'render.encoding', says: 'byte 0xe9', line: 6 },
  { name: 'UTF-16 file with BOM', bytes: new Uint8Array([0xff, 0xfe, ...[...'apiVersion: v1\n'].flatMap((ch) => [ch.charCodeAt(0), 0])]), code: 'render.encoding', says: 'not valid UTF-8', line: 1 },
  { name: 'overlong UTF-8 encoding of "/"', bytes: new Uint8Array([...text(cm('a', 'data:\n  k: ')), 0xc0, 0xaf, 0x0a]), code: 'render.encoding', says: 'byte 0xc0', line: 6 },
  { name: 'truncated multi-byte character at the end', bytes: new Uint8Array([...text(cm('a', 'data:\n  k: ')), 0xe2, 0x82]), code: 'render.encoding', says: 'byte 0xe2', line: 6 },
  { name: 'NUL byte', bytes: text(cm('a\u0000b')), code: 'render.yaml', says: 'control character U+0000', line: 4 },
  { name: 'binary file (PNG) named .yaml', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), code: 'render.encoding', says: 'byte 0x89', line: 1 },
  { name: 'tab indentation', bytes: text('apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n'), code: 'render.yaml', says: 'Tabs', line: 4 },
  { name: 'unclosed flow mapping', bytes: text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n'), code: 'render.yaml', says: 'invalid YAML', line: 4 },
  { name: 'unrendered Helm template', bytes: text('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n'), code: 'render.object', says: 'without metadata.name', line: 1 },
  { name: 'document that is a list', bytes: text('- apiVersion: v1\n  kind: ConfigMap\n'), code: 'render.object', says: 'not a mapping', line: 1 },
  { name: 'document that is a string (a symlink read as a blob)', bytes: text('../../../etc/passwd'), code: 'render.object', says: 'is this file a symbolic link?', line: 1 },
  { name: 'no apiVersion', bytes: text('kind: ConfigMap\nmetadata: {name: a}\n'), code: 'render.object', says: 'missing apiVersion', line: 1 },
  { name: 'kind as a number', bytes: text('apiVersion: v1\nkind: 3\nmetadata: {name: a}\n'), code: 'render.object', says: 'missing kind', line: 1 },
  { name: 'name as a number', bytes: text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 3}\n'), code: 'render.object', says: 'without metadata.name', line: 1 },
  { name: 'namespace as a list', bytes: text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: [x]}\n'), code: 'render.object', says: 'namespace is not a string', line: 1 },
  { name: 'second document wrong, first fine', bytes: text(`${cm('a')}---\nkind: Secret\n`), code: 'render.object', says: 'missing apiVersion', line: 6 },
  { name: 'List without items', bytes: text('apiVersion: v1\nkind: List\n'), code: 'render.object', says: 'List without an items sequence', line: 1 },
  { name: 'List with items as a mapping', bytes: text('apiVersion: v1\nkind: List\nitems: {a: 1}\n'), code: 'render.object', says: 'List without an items sequence', line: 1 },
  { name: 'List inside a List', bytes: text('apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: List, items: []}\n'), code: 'render.object', says: 'List inside a List', line: 1 },
  { name: 'List item without a name', bytes: text('apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap}\n'), code: 'render.object', says: 'without metadata.name', line: 1 },
];
