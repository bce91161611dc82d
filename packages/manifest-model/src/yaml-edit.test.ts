import { describe, expect, it } from 'vitest';
import { FerryError } from './errors.js';
import { editYaml, type YamlEdit } from './yaml-edit.js';
import { parseYamlFile } from './yaml-file.js';
import { verifyYamlEdit, type ExpectedChange } from './yaml-verify.js';

const set = (path: (string | number)[], value: string, document = 0): YamlEdit => ({ op: 'set', document, path, value });
const edit = (content: string, edits: YamlEdit[]) => editYaml(parseYamlFile(content, 'f.yaml'), edits);

describe('editYaml set', () => {
  it.each([
    ['plain stays plain', 'a:\n  tag: v1 # keep\n', ['a', 'tag'], 'v2', 'a:\n  tag: v2 # keep\n'],
    ['double quotes stay', 'tag: "v1"\n', ['tag'], 'v2', 'tag: "v2"\n'],
    ['single quotes stay', "tag: 'v1'\n", ['tag'], "it's", "tag: 'it''s'\n"],
    ['float-looking value is quoted', 'tag: v1\n', ['tag'], '1.10', 'tag: "1.10"\n'],
    ['int-looking value is quoted', 'tag: v1\n', ['tag'], '20241010', 'tag: "20241010"\n'],
    ['exponent is quoted', 'tag: v1\n', ['tag'], '1e3', 'tag: "1e3"\n'],
    ['yaml 1.1 bool is quoted', 'tag: v1\n', ['tag'], 'on', 'tag: "on"\n'],
    ['sexagesimal is quoted', 'tag: v1\n', ['tag'], '1:20', 'tag: "1:20"\n'],
    ['hex is quoted', 'tag: v1\n', ['tag'], '0x1F', 'tag: "0x1F"\n'],
    ['octal 1.2 is quoted', 'tag: v1\n', ['tag'], '0o17', 'tag: "0o17"\n'],
    ['null tilde is quoted', 'tag: v1\n', ['tag'], '~', 'tag: "~"\n'],
    ['.inf is quoted', 'tag: v1\n', ['tag'], '.inf', 'tag: ".inf"\n'],
    ['CRLF kept', 'a: 1\r\ntag: v1\r\nb: 2', ['tag'], 'v2', 'a: 1\r\ntag: v2\r\nb: 2'],
    ['BOM kept', '\uFEFFtag: v1\n', ['tag'], 'v2', '\uFEFFtag: v2\n'],
    ['flow style kept', 'img: {repository: x, tag: v1}\n', ['img', 'tag'], 'v2', 'img: {repository: x, tag: v2}\n'],
    ['anchored node is edited, alias follows', 'a: &t v1\nb: *t\n', ['b'], 'v2', 'a: &t v2\nb: *t\n'],
    ['merge key resolves to the anchored map', 'base: &b\n  tag: v1\nimg:\n  <<: *b\n  repository: x\n', ['img', 'tag'], 'v2', 'base: &b\n  tag: v2\nimg:\n  <<: *b\n  repository: x\n'],
    ['empty value gets a value', 'tag:\nb: 1\n', ['tag'], 'v2', 'tag: v2\nb: 1\n'],
    ['missing key is added after a sibling', 'img:\n  repository: x\n  pullPolicy: Always\n', ['img', 'tag'], 'v2', 'img:\n  repository: x\n  pullPolicy: Always\n  tag: v2\n'],
  ] as const)('%s', (_name, input, path, value, output) => {
    expect(edit(input, [set([...path], value)]).content).toBe(output);
  });

  it('is a no-op when already at target', () => {
    const result = edit('tag: v1\n', [set(['tag'], 'v1')]);
    expect(result).toEqual({ content: 'tag: v1\n', changes: [] });
  });

  it('quotes a float-looking current value even when the text matches', () => {
    expect(edit('tag: 0.1\n', [set(['tag'], '0.1')]).content).toBe('tag: "0.1"\n');
  });

  it('edits one document of many', () => {
    const input = 'a: 1\n---\ntag: v1\n---\ntag: v1\n';
    const result = edit(input, [set(['tag'], 'v2', 1)]);
    expect(result.content).toBe('a: 1\n---\ntag: v2\n---\ntag: v1\n');
    expect(result.changes).toEqual([{ document: 1, path: ['tag'], line: 3, old: 'v1', new: 'v2' }]);
  });

  it('refuses block scalars', () => {
    expect(() => edit('tag: |\n  v1\n', [set(['tag'], 'v2')])).toThrow(expect.objectContaining({ code: 'edit.unsupported', line: 1 }));
  });

  it('refuses conflicting values for one anchored node', () => {
    expect(() => edit('a: &t v1\nb: *t\n', [set(['a'], 'x'), set(['b'], 'y')])).toThrow(FerryError);
  });
});

describe('editYaml delete and append', () => {
  it('removes an entry line with its comment', () => {
    expect(edit('- name: a\n  digest: sha # pin\n  newTag: v\n', [{ op: 'delete', document: 0, path: [0, 'digest'] }]).content)
      .toBe('- name: a\n  newTag: v\n');
  });
  it('removes the first key of a sequence item', () => {
    expect(edit('- digest: x\n  name: a\n', [{ op: 'delete', document: 0, path: [0, 'digest'] }]).content).toBe('- name: a\n');
  });
  it('appends an item with the same indentation', () => {
    const input = 'images:\n  -   name: a # c\n      newTag: v1\nresources: []\n';
    const result = edit(input, [{ op: 'append', document: 0, path: ['images'], item: [['name', 'b'], ['newTag', '1.0']] }]);
    expect(result.content).toBe('images:\n  -   name: a # c\n      newTag: v1\n  -   name: b\n      newTag: "1.0"\nresources: []\n');
    expect(result.changes[0]).toMatchObject({ line: 4, new: '{name: b, newTag: 1.0}' });
  });
  it('creates a missing top-level sequence, adding the missing final newline', () => {
    const result = edit('resources:\n- a.yaml', [{ op: 'append', document: 0, path: ['images'], item: [['name', 'b'], ['newTag', 'v']] }]);
    expect(result.content).toBe('resources:\n- a.yaml\nimages:\n- name: b\n  newTag: v');
    expect(result.changes[0]!.line).toBe(4);
  });
  it('appends to a flow sequence', () => {
    expect(edit('images: []\n', [{ op: 'append', document: 0, path: ['images'], item: [['name', 'b']] }]).content).toBe('images: [{name: b}]\n');
  });
});

describe('parseYamlFile', () => {
  it('reports file and line of a syntax error', () => {
    expect(() => parseYamlFile('a: 1\nb: {{X}}/y\n', 'k.yaml')).toThrow(expect.objectContaining({ code: 'yaml.invalid', file: 'k.yaml', line: 2 }));
  });
});

describe('verifyYamlEdit', () => {
  const before = parseYamlFile('a: &x 1 # c\nb: 2\nc: *x\n', 'v.yaml');
  const setA: ExpectedChange[] = [{ document: 0, kind: 'set', path: ['a'], value: 'x' }];
  it('accepts exactly the intended change', () => {
    expect(() => verifyYamlEdit(before, 'a: &x x # c\nb: 2\nc: *x\n', setA)).not.toThrow();
  });
  it.each([
    ['another value changed', 'a: &x x # c\nb: 3\nc: *x\n', /b in document 1 would read the number "3" instead of the number "2"/],
    ['a comment swallowed a key', 'a: &x x # c b: 2\nc: *x\n', /b in document 1 would read nothing/],
    ['the anchor was lost', 'a: x # c\nb: 2\nc: *x\n', /a in document 1 would read the string "x" instead of the string "x" \(anchor &x\)|no longer parses/],
    ['a key appeared', 'a: &x x # c\nb: 2\nc: *x\nd: 1\n', /d in document 1 would appear \(the number "1"\)/],
    ['the target reads as a number', 'a: &x 1.5 # c\nb: 2\nc: *x\n', /a in document 1 would read the number "1.5" \(anchor &x\) instead of the string "x" \(anchor &x\)/],
    ['a document was added', 'a: &x x # c\nb: 2\nc: *x\n---\nd: 1\n', /2 documents instead of 1/],
  ])('rejects: %s', (_name, after, message) => {
    expect(() => verifyYamlEdit(before, after, setA)).toThrow(expect.objectContaining({ code: 'edit.verify-failed', file: 'v.yaml', message: expect.stringMatching(message) }));
  });
});

describe('editYaml through aliases', () => {
  it('adds a missing key once when two paths reach one mapping', () => {
    const input = 'base: &b\n  repository: x\nuse: *b\n';
    expect(edit(input, [set(['base', 'tag'], 'v1'), set(['use', 'tag'], 'v1')]).content).toBe('base: &b\n  repository: x\n  tag: v1\nuse: *b\n');
    expect(() => edit(input, [set(['base', 'tag'], 'v1'), set(['use', 'tag'], 'v2')])).toThrow(expect.objectContaining({ code: 'edit.conflict' }));
  });
});
