import { FerryError } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import { parseManifestFileCarefully, parseManifests } from './parse-manifests.js';

function errorOf(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
  throw new Error('expected a FerryError');
}

describe('parseManifests', () => {
  it('reads several documents with their file and line', () => {
    const content = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# comment\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n';
    const objects = parseManifests([{ path: 'app/cm.yaml', content }]);
    expect(objects.map((o) => [o.object.kind, o.object.metadata.name, o.source?.line])).toEqual([
      ['ConfigMap', 'a', 1],
      ['Secret', 'b', 8],
    ]);
  });

  it('expands a List', () => {
    const content = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n';
    expect(parseManifests([{ path: 'l.yaml', content }]).map((o) => o.object.metadata.name)).toEqual(['x']);
  });

  it.each([
    ['bad indentation', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n data: {}\n', 'render.yaml', 5],
    ['duplicate key', 'apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n', 'render.yaml', 3],
    ['no kind', 'apiVersion: v1\nmetadata:\n  name: a\n', 'render.object', 1],
    ['no name, second doc', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n', 'render.object', 5],
    ['a scalar', 'hello\n', 'render.object', 1],
  ])('%s names the file and line', (_name, content, code, line) => {
    const error = errorOf(() => parseManifests([{ path: 'dir/f.yaml', content }]));
    expect(error.code).toBe(code);
    expect(error.file).toBe('dir/f.yaml');
    expect(error.line).toBe(line);
  });
});

describe('fast path', () => {
  it.each([
    ['comments and empty documents', '# head\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'],
    ['content on the marker line', '--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n'],
    ['document end markers', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n...\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n'],
    ['CRLF', 'apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\ndata:\r\n  k: v\r\n---\r\napiVersion: v1\r\nkind: Secret\r\nmetadata: {name: b}\r\n'],
    ['scalars YAML 1.1 and 1.2 read differently', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  yes: yes\n  date: 2024-01-01\n  octal: "0755"\n  n: "1"\n  float: 1.50\n  empty: ""\n  nul: ~\n'],
    ['block scalars with an indented ---', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  script: |\n    echo a\n    ---\n    echo b\n  folded: >-\n    x\n    y\n'],
    ['a JSON document', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}\n'],
    ['a List', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n'],
  ])('matches the careful parser: %s', (_name, content) => {
    const file = { path: 'f.yaml', content };
    expect(parseManifests([file])).toEqual(parseManifestFileCarefully(file));
  });
});
