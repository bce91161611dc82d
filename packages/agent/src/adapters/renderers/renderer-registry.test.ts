import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RENDERER_CATALOG, rendererNames, renderModes, renderToolNames } from '../../render/renderer-catalog.js';
import { RenderMode } from '../../sync/sync-spec.js';
import { detectRenderer, RENDERERS } from './index.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));

/** Every copy of the Sync CRD the project ships (kustomize cannot load files outside its root; Helm installs crds/ of the chart). */
const crdCopies = ['packages/agent/crds/syncs.ferry.dev.yaml', 'deploy/base/crd-syncs.ferry.dev.yaml', 'deploy/chart/ferry-agent/crds/syncs.ferry.dev.yaml'];

interface Crd {
  spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: { properties: { spec: { properties: { render: { enum: string[]; default: string } } } } } } }> };
}

describe('the renderer registry', () => {
  it('has exactly the catalogue names, in catalogue order', () => {
    expect(Object.keys(RENDERERS)).toEqual(rendererNames);
    expect(RenderMode.options).toEqual(['auto', ...rendererNames]);
    expect(renderModes).toEqual(['auto', 'plain', 'kustomize', 'helm']);
    expect(renderToolNames).toEqual(['kubectl', 'helm']);
  });

  it.each(crdCopies)('%s: spec.render enum equals the registry (auto + every renderer)', (copy) => {
    const crd = parse(readFileSync(`${root}${copy}`, 'utf8')) as Crd;
    for (const version of crd.spec.versions) {
      const render = version.schema.openAPIV3Schema.properties.spec.properties.render;
      expect(render.enum, `${copy} ${version.name}: write enum: [${renderModes.join(', ')}]`).toEqual(renderModes);
      expect(render.default).toBe('auto');
    }
  });

  it('auto asks renderers in catalogue order and falls back to plain', () => {
    expect(detectRenderer(new Set(['kustomization.yaml', 'Chart.yaml']))).toBe('kustomize');
    expect(detectRenderer(new Set(['Chart.yaml']))).toBe('helm');
    expect(detectRenderer(new Set(['x.yaml']))).toBe('plain');
    expect(detectRenderer(new Set())).toBe('plain');
  });

  it('every binary a renderer names is a render tool (a flag and an environment variable)', () => {
    for (const name of rendererNames) {
      const tool = RENDERER_CATALOG[name].tool;
      if (tool !== undefined) expect(renderToolNames).toContain(tool);
    }
  });
});
