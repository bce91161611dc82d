// Property-based fuzzing of the rewriters through planSetImage (set-image.property.test.ts covers
// well-formed manifests and values): arbitrary text and generated YAML documents either give a
// FerryError, or an edit that changes only the lines holding the image, re-parses to the same tree
// with only those values replaced, and is a no-op when run again.
import { FerryError } from '@ferry/manifest-model';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findImageOccurrences, planSetImage, type ImageChange } from '../core/set-image.js';

function planOrRefuse(files: { path: string; content: string }[], change: ImageChange) {
  try {
    return planSetImage(files, change);
  } catch (err) {
    if (!(err instanceof FerryError)) throw err;
    expect(err.code).toMatch(/^(yaml|edit|input)\./);
    return undefined;
  }
}

const PATHS = ['values.yaml', 'kustomization.yaml', 'k8s/deploy.yaml', 'values.json'];
const TOKENS = [
  'image', 'repository', 'tag', 'nginx', 'nginx:1', 'ghcr.io/acme/web:1.0', 'ghcr.io/acme/web', 'apiVersion: v1', 'kind: Pod',
  'kind: Kustomization', 'images', 'name', 'newTag', 'containers', ':', ': ', '- ', '  ', '\n', '\r\n', '\t', '#', '"', "'", '[', ']',
  '{', '}', ',', '&a ', '*a', '<<: ', '---\n', '...\n', '|', '>', '!!str ', '? ', '%YAML 1.2\n', '\uFEFF', '\u0000', '\uFFFD', 'é', '@sha256:',
];
const yamlish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''));
const change = fc.record({
  image: fc.constantFrom('nginx', 'ghcr.io/acme/web', 'docker.io/library/nginx'),
  tag: fc.constantFrom('2', '1.10', 'v3.0.0-rc.1', 'latest'),
});

// Generated documents: maps and sequences in block or flow style, with image strings, split
// repository/tag maps, anchors and aliases, comments and quoting mixed in.
type Tree = { s: string } | { m: [string, Tree][]; flow: boolean } | { q: Tree[]; flow: boolean };
const scalar = fc.constantFrom('nginx:1', '"nginx:1"', "'ghcr.io/acme/web:0.9'", 'ghcr.io/acme/web-worker:1', 'nginx', 'x', '1.10', 'true', 'null', '"a # b"', 'redis:7');
const key = fc.constantFrom('image', 'repository', 'tag', 'name', 'web', 'sidecar', 'list', 'a', 'b');
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    scalar.map((s): Tree => ({ s })),
    fc.record({ m: fc.uniqueArray(fc.tuple(key, tie('node')), { minLength: 1, maxLength: 4, selector: ([k]) => k }), flow: fc.boolean() }),
    fc.record({ q: fc.array(tie('node'), { minLength: 1, maxLength: 3 }), flow: fc.boolean() }),
  ),
})).node;

function render(t: Tree, indent: number, comments: boolean): string[] {
  const pad = ' '.repeat(indent);
  const c = comments ? ' # note' : '';
  if ('s' in t) return [`${pad}${t.s}`];
  const inline = (n: Tree): string => ('s' in n ? n.s : 'm' in n ? `{${n.m.map(([k, v]) => `${k}: ${inline(v)}`).join(', ')}}` : `[${n.q.map(inline).join(', ')}]`);
  if (t.flow) return [`${pad}${inline(t)}${c}`];
  if ('m' in t) {
    return t.m.flatMap(([k, v]) => ('s' in v || v.flow ? [`${pad}${k}: ${'s' in v ? v.s : inline(v)}${c}`] : [`${pad}${k}:${c}`, ...render(v, indent + 2, comments)]));
  }
  return t.q.flatMap((v) => ('s' in v || v.flow ? [`${pad}- ${'s' in v ? v.s : inline(v)}`] : [`${pad}-${c}`, ...render(v, indent + 2, comments)]));
}

const documentText = fc.record({ root: tree, comments: fc.boolean(), eol: fc.constantFrom('\n', '\r\n'), anchor: fc.boolean() })
  .map(({ root, comments, eol, anchor }) => {
    let lines = 's' in root ? [`value: ${root.s}`] : render(root, 0, comments);
    // An anchor on the first image string and an alias to it at the end.
    if (anchor && lines.some((l) => l.includes(': nginx:1'))) {
      lines = lines.map((l, i) => (i === lines.findIndex((x) => x.includes(': nginx:1')) ? l.replace(': nginx:1', ': &img nginx:1') : l));
      if (!('q' in root)) lines.push('alias: *img');
    }
    return lines.join(eol) + eol;
  });

/** The parsed value of every document, for comparing trees. */
function valuesOf(text: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: false }).map((d) => d.toJS({ maxAliasCount: -1 }));
}

function replaceAt(value: unknown, path: (string | number)[], next: string): unknown {
  if (path.length === 0) return next;
  const [step, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === step ? replaceAt(v, rest, next) : v));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return { ...record, [step!]: replaceAt(record[step as string], rest, next) };
  }
  return value;
}

describe('rewriters fuzzing', () => {
  it('YAML-ish token soup under any file name: a plan or a FerryError, and a plan re-parses and is idempotent', () => {
    fc.assert(fc.property(yamlish, fc.constantFrom(...PATHS), change, (content, path, c) => {
      const plan = planOrRefuse([{ path, content }], c);
      const out = plan?.files[0]?.newContent;
      if (out === undefined || out === null) return;
      const again = planOrRefuse([{ path, content: out }], c);
      expect(again?.changed).toBe(false);
    }), { numRuns: 1000 });
  });

  it('arbitrary Unicode text: never anything but a FerryError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom(...PATHS), change, (content, path, c) => {
      planOrRefuse([{ path, content }], c);
    }), { numRuns: 1000 });
  });

  it('generated values documents: only the lines holding the image change, and only their values', () => {
    fc.assert(fc.property(documentText, change, (content, c) => {
      const plan = planOrRefuse([{ path: 'values.yaml', content }], c);
      if (!plan) return;
      const out = plan.files[0]!.newContent;
      if (out === null) return;
      const occurrences = plan.files[0]!.occurrences;
      const edits = plan.files[0]!.changes;
      const before = content.split('\n');
      let after = out.split('\n');
      // A split repository/tag map without a tag gets one: drop the added lines before comparing.
      // Only lines that are the added key itself: in a flow map the key joins an existing line.
      const addedKey = new Map(edits.filter((e) => e.old === '').map((e) => [e.line, `${String(e.yamlPath.at(-1))}:`]));
      if (after.length !== before.length) after = after.filter((text, i) => !text.trimStart().startsWith(addedKey.get(i + 1) ?? '\0'));
      expect(after.length).toBe(before.length);
      const lines = new Set(occurrences.map((o) => o.line));
      before.forEach((line, i) => {
        if (line !== after[i]) expect(lines, `line ${i + 1} changed: ${line} -> ${after[i]}`).toContain(i + 1);
      });
      // The tree is the old one with exactly the occurrences' values replaced.
      let want = valuesOf(content)[0];
      for (const e of edits) want = replaceAt(want, e.yamlPath, e.new);
      const got = valuesOf(out)[0];
      // Aliases share a node: compare through the first physical path only (edits name those).
      expect(got).toEqual(mergeAliases(got, want));
      for (const o of findImageOccurrences([{ path: 'values.yaml', content: out }], c.image)) expect(o.tag).toBe(c.tag);
      expect(planSetImage([{ path: 'values.yaml', content: out }], c).changed).toBe(false);
    }), {
      numRuns: 500,
      // Found by a CI run: a tag added inside a flow map (same line) beside one added as a new line.
      examples: [['-\n  - {repository: nginx, image: nginx:1}\n  -\n    image:\n      repository: nginx\n-\n  image:\n    - nginx:1\n', { image: 'nginx', tag: '2' }]],
    });
  });
});

/** `want` with alias copies (`alias: *img`) taken from `got`: an edit through the anchor changes them too. */
function mergeAliases(got: unknown, want: unknown): unknown {
  if (got && want && typeof got === 'object' && typeof want === 'object' && !Array.isArray(got)) {
    const out: Record<string, unknown> = { ...(want as Record<string, unknown>) };
    if ('alias' in (got as Record<string, unknown>)) out['alias'] = (got as Record<string, unknown>)['alias'];
    return out;
  }
  return want;
}
