import fc from 'fast-check';
import { isSameRepository } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import { findImageOccurrences, planSetImage } from './set-image.js';

// Names chosen to tempt prefix matching and to need normalisation.
const NAMES = ['ghcr.io/acme/web', 'ghcr.io/acme/web-worker', 'ghcr.io/acme/web/api', 'acme/web', 'nginx', 'docker.io/library/nginx', 'localhost:5000/acme/web'];
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$/);
const quote = fc.constantFrom('', '"', "'");
const container = fc.record({ name: fc.constantFrom(...NAMES), tag, quote, comment: fc.boolean() });
const layout = fc.record({ eol: fc.constantFrom('\n', '\r\n'), indent: fc.constantFrom('  ', '    ') });

/** A multi-document manifest file; returns the text and, per line, the image name written there. */
function renderManifests(docs: (typeof container extends fc.Arbitrary<infer C> ? C : never)[][], lay: { eol: string; indent: string }) {
  const lines: string[] = [];
  const imageAt = new Map<number, string>();
  docs.forEach((containers, d) => {
    if (d > 0) lines.push('---');
    lines.push('apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `${lay.indent}name: app-${d} # name`, 'spec:', `${lay.indent}template:`,
      `${lay.indent.repeat(2)}spec:`, `${lay.indent.repeat(3)}containers:`);
    containers.forEach((c, i) => {
      lines.push(`${lay.indent.repeat(3)}- name: c${i}`);
      imageAt.set(lines.length + 1, c.name);
      lines.push(`${lay.indent.repeat(3)}  image: ${c.quote}${c.name}:${c.tag}${c.quote}${c.comment ? ' # {"$imagepolicy": "ns:p"}' : ''}`);
    });
  });
  return { text: lines.join(lay.eol) + lay.eol, imageAt };
}

/** Helm values with split repository/tag keys; the tag line is the one that changes. */
function renderValues(blocks: (typeof container extends fc.Arbitrary<infer C> ? C : never)[], lay: { eol: string; indent: string }) {
  const lines: string[] = ['# values'];
  const imageAt = new Map<number, string>();
  blocks.forEach((c, i) => {
    lines.push(`block${i}:`, `${lay.indent}image:`, `${lay.indent.repeat(2)}repository: ${c.name}`);
    imageAt.set(lines.length + 1, c.name);
    lines.push(`${lay.indent.repeat(2)}tag: ${c.quote}${c.tag}${c.quote}${c.comment ? ' # pinned' : ''}`, `${lay.indent.repeat(2)}pullPolicy: IfNotPresent`);
  });
  return { text: lines.join(lay.eol) + lay.eol, imageAt };
}

function checkEdit(text: string, imageAt: Map<number, string>, image: string, newTag: string) {
  const plan = planSetImage([{ path: 'f.yaml', content: text }], { image, tag: newTag });
  const expectedLines = [...imageAt].filter(([, name]) => isSameRepository(name, image)).map(([line]) => line);
  expect(plan.found).toBe(expectedLines.length > 0);
  const out = plan.files[0]!.newContent ?? text;
  const before = text.split('\n');
  const after = out.split('\n');
  expect(after.length).toBe(before.length);
  const changed = before.flatMap((line, i) => (line === after[i] ? [] : [i + 1]));
  // Only lines that hold the image change, and only after the key.
  for (const line of changed) {
    expect(expectedLines).toContain(line);
    const key = /^\s*[\w-]+: /.exec(before[line - 1]!)![0];
    expect(after[line - 1]!.startsWith(key)).toBe(true);
    expect(after[line - 1]).toContain(newTag);
  }
  // ... and every one of them changes unless it already held the tag.
  for (const line of expectedLines) if (!changed.includes(line)) expect(before[line - 1]).toContain(newTag);
  for (const o of findImageOccurrences([{ path: 'f.yaml', content: out }], image)) expect(o.tag).toBe(newTag);
  expect(planSetImage([{ path: 'f.yaml', content: out }], { image, tag: newTag }).changed).toBe(false);
}

describe('planSetImage properties', () => {
  it('manifests: only the image lines of the image change, keeping key, quotes and comments; second run is a no-op', () => {
    fc.assert(fc.property(fc.array(fc.array(container, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }), layout, fc.constantFrom(...NAMES), tag,
      (docs, lay, image, newTag) => {
        const { text, imageAt } = renderManifests(docs, lay);
        checkEdit(text, imageAt, image, newTag);
      }), { numRuns: 150 });
  });

  it('helm values: only the tag lines of the image change; second run is a no-op', () => {
    fc.assert(fc.property(fc.array(container, { minLength: 1, maxLength: 5 }), layout, fc.constantFrom(...NAMES), tag,
      (blocks, lay, image, newTag) => {
        const { text, imageAt } = renderValues(blocks, lay);
        checkEdit(text, imageAt, image, newTag);
      }), { numRuns: 150 });
  });
});
