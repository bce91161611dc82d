// Malformed or hostile inputs to set-image's planner (the core of `ferry set-image` and
// `ferry promote`): one row per case, so the count is visible. Read by set-image.bad-input.test.ts.
// `refused`: must throw this FerryError code (with the file and line when given) and plan nothing.
// `notFound`: no occurrence, nothing changed (the CLI exits 3). `edits`: accepted; only these
// 1-based lines may change, and the result re-parses to the target with a second run a no-op.
import type { ImageChange } from '../core/set-image.js';

export interface SetImageCase {
  name: string;
  files: { path: string; content: string }[];
  change: ImageChange;
  refused?: { code: string; says: string; file?: string; line?: number };
  notFound?: true;
  edits?: number[];
}

const HEX = 'd'.repeat(64);
const values = (content: string) => [{ path: 'values.yaml', content }];
const nginx2: ImageChange = { image: 'nginx', tag: '2' };
const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  .concat('bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)).join('\n');
const L = 'abcdefghij';
const mergeBomb = ['a: &a {image: nginx:1}'].concat([...L.slice(1)].map((k, i) => `${k}: &${k} {<<: [${Array(10).fill(`*${L[i]}`).join(', ')}]}`)).join('\n');
const pod = (image: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: ${image}\n`;

export const SET_IMAGE_CASES: SetImageCase[] = [
  // The change itself.
  { name: 'image with a space', files: values('image: nginx:1\n'), change: { image: 'ngi nx', tag: '2' }, refused: { code: 'input.invalid-reference', says: 'whitespace' } },
  { name: 'upper-case image', files: values('image: nginx:1\n'), change: { image: 'ghcr.io/Acme/Web', tag: '2' }, refused: { code: 'input.invalid-reference', says: 'lower-case' } },
  { name: 'tag with a plus', files: values('image: nginx:1\n'), change: { image: 'nginx', tag: '1.0+build' }, refused: { code: 'input.invalid-tag', says: 'contains "+"' } },
  { name: 'digest too short', files: values('image: nginx:1\n'), change: { image: 'nginx', digest: 'sha256:abc' }, refused: { code: 'input.invalid-digest', says: 'has 3' } },
  { name: 'tag given twice, differently', files: values('image: nginx:1\n'), change: { image: 'nginx:1.1', tag: '1.2' }, refused: { code: 'input.conflict', says: 'given twice' } },
  { name: 'nothing to set', files: values('image: nginx:1\n'), change: { image: 'nginx' }, refused: { code: 'input.nothing-to-set', says: 'nothing to set' } },
  { name: '--new-name with a tag', files: values('image: nginx:1\n'), change: { image: 'nginx', newName: 'ghcr.io/x/nginx:3' }, refused: { code: 'input.invalid-reference', says: 'without tag or digest' } },
  { name: '--key with an empty step', files: values('image: nginx:1\n'), change: { image: 'nginx', tag: '2', key: 'image..tag' }, refused: { code: 'input.invalid-key', says: 'empty step' } },
  { name: '--key at an integer', files: values('image:\n  repository: nginx\n  tag: 42\n'), change: { image: 'nginx', tag: '43', key: 'image.tag' }, refused: { code: 'input.key-not-string', says: '--key image.tag in values.yaml holds the integer 42, not a string', line: 3 } },
  { name: '--key at a boolean', files: values('enabled: true\nimage: nginx:1\n'), change: { image: 'nginx', tag: '2', key: 'enabled' }, refused: { code: 'input.key-not-string', says: 'holds the boolean true', line: 1 } },
  { name: '--key at a float (an unquoted tag 1.10)', files: values('replicas: 1\nversion: 1.10\n'), change: { image: 'nginx', tag: '1.11', key: 'version' }, refused: { code: 'input.key-not-string', says: 'holds the float 1.10', line: 2 } },
  { name: '--key at a null writes the tag quoted where YAML would read a number', files: values('image:\n  tag: null\n'), change: { image: 'nginx', tag: '1.10', key: 'image.tag' }, edits: [2] },
  { name: '--key at an empty value', files: values('image:\n  tag:\n'), change: { image: 'nginx', tag: '1.10', key: 'image.tag' }, edits: [2] },
  { name: '--key at a string keeps it a string (1.10 quoted)', files: values('image:\n  tag: v1 # keep\n'), change: { image: 'nginx', tag: '1.10', key: 'image.tag' }, edits: [2] },
  { name: '--key naming a mapping', files: values('image:\n  repository: nginx\n  tag: "1"\n'), change: { image: 'nginx', tag: '2', key: 'image' }, refused: { code: 'input.key-not-scalar', says: 'is a mapping', line: 2 } },
  // Bytes that are not YAML text.
  { name: 'NUL byte', files: values('image: nginx:1\nx: a\u0000b\n'), change: nginx2, refused: { code: 'input.not-text', says: 'control character U+0000', file: 'values.yaml', line: 2 } },
  { name: 'PNG file under a .yaml name', files: values('\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR'), change: nginx2, refused: { code: 'input.not-text', says: 'binary file', line: 2 } },
  { name: 'invalid UTF-8 read lossily (U+FFFD)', files: values('image: nginx:1\n# caf\uFFFD\n'), change: nginx2, refused: { code: 'input.not-text', says: 'not valid UTF-8', line: 2 } },
  { name: 'file over 4 MiB', files: values(`image: nginx:1\n#${'x'.repeat(4 * 1024 * 1024)}\n`), change: nginx2, refused: { code: 'input.file-too-large', says: 'up to 4 MiB' } },
  { name: 'escape character in a comment', files: values('image: nginx:1 # \u001b[31mred\n'), change: nginx2, refused: { code: 'input.not-text', says: 'U+001B', line: 1 } },
  // YAML that does not parse, or is ambiguous.
  { name: 'duplicate key', files: values('image: nginx:1\nimage: nginx:3\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'duplicate key "image"', line: 2 } },
  { name: 'duplicate key, one quoted', files: values('tag: "1"\n"tag": "2"\nimage: nginx:1\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'duplicate key "tag"', line: 2 } },
  { name: 'duplicate key in the second document', files: values('image: nginx:1\n---\na: 1\na: 2\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'duplicate key "a"', line: 4 } },
  { name: 'duplicate key in JSON', files: [{ path: 'values.json', content: '{"image": "nginx:1", "image": "nginx:3"}' }], change: nginx2, refused: { code: 'yaml.invalid', says: 'duplicate key', file: 'values.json', line: 1 } },
  { name: 'tab indentation', files: values('image:\n\trepository: nginx\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'Tabs', line: 2 } },
  { name: 'unclosed quote', files: values('image: "nginx:1\ntag: 2\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'invalid YAML' } },
  { name: 'unclosed flow sequence', files: values('images: [nginx:1, redis:7\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'invalid YAML' } },
  { name: 'bad indentation', files: values('image:\n  repository: nginx\n tag: 1\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'invalid YAML', line: 3 } },
  { name: 'unrendered Go template in a manifest', files: values('apiVersion: v1\nkind: Pod\n{{- if .Values.x }}\nmetadata: {name: a}\n'), change: nginx2, refused: { code: 'yaml.invalid', says: 'invalid YAML', line: 3 } },
  { name: 'folded block scalar holding the image', files: values('image: >-\n  nginx:1\n'), change: nginx2, refused: { code: 'edit.unsupported', says: 'block scalar', line: 1 } },
  { name: 'empty kustomization.yaml', files: [{ path: 'kustomization.yaml', content: '' }], change: nginx2, refused: { code: 'edit.unsupported', says: 'is empty', file: 'kustomization.yaml' } },
  { name: 'kustomization with images as a mapping', files: [{ path: 'kustomization.yaml', content: 'resources: [a.yaml]\nimages: {name: nginx}\n' }], change: nginx2, refused: { code: 'edit.unsupported', says: 'not a sequence', line: 2 } },
  { name: 'kustomization that is a list', files: [{ path: 'kustomization.yaml', content: '- a.yaml\n' }], change: nginx2, refused: { code: 'edit.unsupported', says: 'not a mapping' } },
  { name: 'several files, the last one broken: none planned', files: [{ path: 'a.yaml', content: 'image: nginx:1\n' }, { path: 'b.yaml', content: 'image: nginx:1\nimage: x\n' }], change: nginx2, refused: { code: 'yaml.invalid', says: 'duplicate key', file: 'b.yaml', line: 2 } },
  // An image Ferry finds but cannot rewrite: an error at its line, never a silent skip.
  { name: 'containers as a mapping', files: values('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers: {name: a, image: nginx:1}\n'), change: nginx2, refused: { code: 'input.unsupported-place', says: 'nginx is only at spec.template.spec.containers.image ("nginx:1")', line: 7 } },
  { name: 'unknown kind holding an image', files: values('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\nspec:\n  image: nginx:1\n'), change: nginx2, refused: { code: 'input.unsupported-place', says: 'only at spec.image ("nginx:1")', line: 5 } },
  { name: 'image only in a ConfigMap value and an env value', files: values(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  IMAGE: nginx:1\n---\n${pod('redis:7').replace('      image: redis:7\n', '      image: redis:7\n      env: [{name: SIDECAR, value: "nginx@sha256:' + HEX + '"}]\n')}`), change: nginx2, refused: { code: 'input.unsupported-place', says: 'only at data.IMAGE ("nginx:1") (and 1 more place)', line: 5 } },
  { name: 'Tekton-style steps hold the only image', files: values('apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: a}\nspec:\n  steps:\n  - name: build\n    image: nginx\n'), change: nginx2, refused: { code: 'input.unsupported-place', says: 'only at spec.steps[0].image ("nginx")', line: 7 } },
  // Wrong kinds and shapes: nothing found, nothing changed.
  { name: 'a label that reads like an image name', files: values('apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: {app: nginx}}\n'), change: nginx2, notFound: true },

  { name: 'image as a number', files: values(pod('123')), change: nginx2, notFound: true },
  { name: 'image empty', files: values(pod('""')), change: nginx2, notFound: true },

  { name: 'a plain scalar document', files: values('just some text\n'), change: nginx2, notFound: true },
  { name: 'a symlink read as a blob (its target path)', files: values('../../../etc/passwd'), change: nginx2, notFound: true },
  { name: 'prefix of another image', files: values('image: ghcr.io/acme/web-worker:1\n'), change: { image: 'ghcr.io/acme/web', tag: '2' }, notFound: true },
  { name: 'empty file', files: values(''), change: nginx2, notFound: true },
  { name: '!!binary tagged value', files: values('image: !!binary bmdpbng6MQ==\n'), change: nginx2, notFound: true },
  // Hostile but valid: the edit touches only its own bytes.
  { name: 'alias bomb beside the image (not expanded)', files: values(`${laughs}\nimage: nginx:1\n`), change: nginx2, edits: [10] },
  { name: 'merge-key bomb (<< ten aliases, nine levels)', files: values(`${mergeBomb}\n`), change: nginx2, edits: [1] },
  { name: 'BOM at the start', files: values('\uFEFFimage: nginx:1\n'), change: nginx2, edits: [1] },
  { name: 'CRLF line ends with a tab inside a quoted value', files: values('note: "a\tb"\r\nimage: nginx:1\r\n'), change: nginx2, edits: [2] },
  { name: 'several documents, one image each', files: values('image: nginx:1\n---\nimage: nginx:1\n---\n- nginx:1\n'), change: nginx2, edits: [1, 3, 5] },
  { name: '%YAML 1.1 directive', files: values('%YAML 1.1\n---\nimage: nginx:1\n'), change: nginx2, edits: [3] },
  { name: 'image behind an anchor used twice', files: values('a:\n  image: &i nginx:1\nb:\n  image: *i\n'), change: nginx2, edits: [2] },
  { name: 'digest set on a tag', files: values(pod('nginx:1')), change: { image: 'nginx', digest: `sha256:${HEX}` }, edits: [7] },
  { name: 'a 3 MB line elsewhere in the file', files: values(`image: nginx:1\nx: ${'a'.repeat(3_000_000)}\n`), change: nginx2, edits: [1] },
];
