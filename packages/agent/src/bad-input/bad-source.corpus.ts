// Bad revisions of a synced config repository, applied by the agent against a real API server
// (bad-sources.cluster.test.ts). Each row is committed on top of a good revision already applied;
// the reconcile must stop with this outcome and code, name the file (and line), write nothing to
// the cluster and prune nothing. One row per case.
// The shape of @ferry/testenv's RepoEntry (a corpus is not a test file, so it may not import testenv).
type RepoEntry = string | Uint8Array | { symlink: string };

export interface BadSourceCase {
  name: string;
  /** Files added next to the good app/keep.yaml in app/. */
  files: Record<string, RepoEntry>;
  outcome: 'Stalled' | 'Failed';
  code: string;
  says: string;
  file?: string;
  line?: number;
}

const enc = (s: string) => new TextEncoder().encode(s);
const cm = (name: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  .concat('bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)).join('\n  ');

export const BAD_SOURCE_CASES: BadSourceCase[] = [
  { name: 'alias bomb', files: { 'app/bomb.yaml': cm('bomb', `data:\n  ${laughs}\n`) }, outcome: 'Stalled', code: 'render.yaml', says: 'too many alias expansions', file: 'app/bomb.yaml', line: 1 },
  { name: 'duplicate keys', files: { 'app/dup.yaml': cm('dup', 'data:\n  k: "1"\n  k: "2"\n') }, outcome: 'Stalled', code: 'render.yaml', says: 'duplicate key "k"', file: 'app/dup.yaml', line: 7 },
  { name: 'invalid UTF-8', files: { 'app/latin1.yaml': new Uint8Array([...enc(cm('latin', 'data:\n  k: caf')), 0xe9, 0x0a]) }, outcome: 'Stalled', code: 'render.encoding', says: 'not valid UTF-8', file: 'app/latin1.yaml', line: 6 },
  { name: 'binary file named .yaml', files: { 'app/logo.yaml': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]) }, outcome: 'Stalled', code: 'render.encoding', says: 'byte 0x89', file: 'app/logo.yaml', line: 1 },
  { name: 'NUL byte', files: { 'app/nul.yaml': cm('nul', 'data:\n  k: a\u0000b\n') }, outcome: 'Stalled', code: 'render.yaml', says: 'control character U+0000', file: 'app/nul.yaml', line: 6 },
  { name: 'symlink to a file outside the repository', files: { 'app/passwd.yaml': { symlink: '/etc/passwd' } }, outcome: 'Stalled', code: 'render.object', says: 'is this file a symbolic link?', file: 'app/passwd.yaml', line: 1 },
  { name: 'symlink to a manifest elsewhere in the repository', files: { 'app/alias.yaml': { symlink: '../other/cm.yaml' }, 'other/cm.yaml': cm('elsewhere') }, outcome: 'Stalled', code: 'render.object', says: 'the document is the path "../other/cm.yaml"', file: 'app/alias.yaml', line: 1 },
  { name: 'tab indentation', files: { 'app/tabs.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabs\n' }, outcome: 'Stalled', code: 'render.yaml', says: 'Tabs', file: 'app/tabs.yaml', line: 4 },
  { name: 'second document of a file broken', files: { 'app/multi.yaml': `${cm('first')}---\n${cm('second', 'data: [unclosed\n')}` }, outcome: 'Stalled', code: 'render.yaml', says: 'invalid YAML', file: 'app/multi.yaml' },
  { name: 'a document that is a bare string', files: { 'app/notes.yaml': `${cm('fine')}---\njust a note\n` }, outcome: 'Stalled', code: 'render.object', says: 'not a mapping', file: 'app/notes.yaml', line: 6 },
  { name: 'unknown kind', files: { 'app/widget.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' }, outcome: 'Stalled', code: 'plan', says: 'Widget' },
  { name: 'kind under the wrong apiVersion', files: { 'app/wrong.yaml': 'apiVersion: apps/v1\nkind: ConfigMap\nmetadata:\n  name: wrong\n' }, outcome: 'Stalled', code: 'plan', says: 'apps/v1' },
  // The API server's 413: the object is too big, so retrying cannot help: stalled, with the file.
  { name: 'an object over the API server request limit (3 MiB ConfigMap)', files: { 'app/huge.yaml': cm('huge', `data:\n  k: "${'x'.repeat(3 * 1024 * 1024)}"\n`) }, outcome: 'Stalled', code: 'apply.invalid', says: 'larger than the API server accepts', file: 'app/huge.yaml', line: 1 },
  { name: 'List without items', files: { 'app/list.yaml': 'apiVersion: v1\nkind: List\n' }, outcome: 'Stalled', code: 'render.object', says: 'List without an items sequence', file: 'app/list.yaml', line: 1 },
];
