import fc from 'fast-check';
import { isScalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import { editYaml } from './yaml-edit.js';
import { parseYamlFile, resolveYamlPath, type YamlPath } from './yaml-file.js';

type Tree = { kind: 'scalar'; text: string } | { kind: 'map'; entries: [string, Tree][] } | { kind: 'seq'; items: Tree[] };

const plain = fc.stringMatching(/^[a-z][a-z0-9./_-]{0,12}$/);
const scalarText = fc.oneof(
  plain,
  plain.map((s) => `"${s}"`),
  plain.map((s) => `'${s}'`),
  fc.constantFrom('1.10', '0.1', 'true', 'null', '~', '', '42', '"quoted # not a comment"'),
);
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarText.map((text): Tree => ({ kind: 'scalar', text })),
    fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), tie('node')), { minLength: 1, maxLength: 4, selector: ([k]) => k })
      .map((entries): Tree => ({ kind: 'map', entries })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((items): Tree => ({ kind: 'seq', items })),
  ),
})).node;
const rootTree = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), tree), { minLength: 1, maxLength: 5, selector: ([k]) => k })
  .map((entries): Tree => ({ kind: 'map', entries }));

interface Layout { indent: number; eol: string; bom: boolean; finalNewline: boolean; comments: boolean }

/** Serialises a tree in block style with comments, so edits have neighbours to disturb. */
function render(root: Tree, layout: Layout): { text: string; leaves: YamlPath[] } {
  const lines: string[] = [];
  const leaves: YamlPath[] = [];
  const pad = (n: number) => ' '.repeat(n);
  const comment = (s: string) => (layout.comments ? ` # ${s}` : '');
  const emit = (node: Tree, path: YamlPath, depth: number): void => {
    if (node.kind === 'map') {
      for (const [key, value] of node.entries) {
        if (value.kind === 'scalar') {
          lines.push(`${pad(depth)}${key}:${value.text ? ` ${value.text}` : ''}${comment(key)}`);
          leaves.push([...path, key]);
        } else {
          lines.push(`${pad(depth)}${key}:${comment('block')}`);
          emit(value, [...path, key], depth + layout.indent);
        }
      }
    } else if (node.kind === 'seq') {
      node.items.forEach((item, i) => {
        if (item.kind === 'scalar') {
          lines.push(`${pad(depth)}- ${item.text || '""'}${comment('item')}`);
          leaves.push([...path, i]);
        } else {
          lines.push(`${pad(depth)}-${comment('nested')}`);
          emit(item, [...path, i], depth + layout.indent);
        }
      });
    }
  };
  emit(root, [], 0);
  const text = (layout.bom ? '\uFEFF' : '') + lines.join(layout.eol) + (layout.finalNewline ? layout.eol : '');
  return { text, leaves };
}

const layout = fc.record({ indent: fc.constantFrom(2, 4), eol: fc.constantFrom('\n', '\r\n'), bom: fc.boolean(), finalNewline: fc.boolean(), comments: fc.boolean() });
const newValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('1.10', '20241010', '1e3', 'yes', 'on', 'null', '~', '0x1F', '0o17', '.inf', '1:20', 'a: b', '- x', '#', "it's", 'x\ny', '', ' lead', 'v1.2.3'),
);

describe('editYaml properties', () => {
  it('changes no byte outside the target scalar, reads back the exact string, and is idempotent', () => {
    fc.assert(
      fc.property(rootTree, layout, fc.nat(), newValue, (root, lay, pick, value) => {
        const { text, leaves } = render(root, lay);
        fc.pre(leaves.length > 0);
        const path = leaves[pick % leaves.length]!;
        const file = parseYamlFile(text, 'p.yaml');
        const node = resolveYamlPath(file.documents[0]!, path);
        fc.pre(isScalar(node) && node.range !== undefined && node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED');
        const [start, end] = node!.range!;
        const result = editYaml(file, [{ op: 'set', document: 0, path, value }]);
        const out = result.content;
        // Bytes before and after the scalar are untouched.
        expect(out.slice(0, start)).toBe(text.slice(0, start));
        expect(out.slice(out.length - (text.length - end))).toBe(text.slice(end));
        // The new value reads back as exactly this string.
        const again = parseYamlFile(out, 'p.yaml');
        const back = resolveYamlPath(again.documents[0]!, path);
        expect(isScalar(back) && back.value).toBe(value);
        // Running the same edit again changes nothing.
        expect(editYaml(again, [{ op: 'set', document: 0, path, value }]).content).toBe(out);
      }),
      { numRuns: 300 },
    );
  });
});
