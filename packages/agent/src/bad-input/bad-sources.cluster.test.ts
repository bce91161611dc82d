// The agent against a real API server (the run's shared control plane) and the real git
// http-backend, one harness for every case of bad-source.corpus.ts: a good revision is applied
// first, then each bad revision must stall with the file and line, write nothing and prune nothing.
// Then history rewritten under the agent: a pinned commit that vanished, and a force-pushed branch.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commitFiles } from '@ferry/testenv';
import { IsomorphicGitSource } from '../adapters/git-source.js';
import { renderSource } from '../adapters/renderers/render-source.js';
import type { KubeObject } from '../plan/kube-object.js';
import { reconcileSync } from '../reconcile/reconcile-sync.js';
import { configMap, ensureNamespace, flagTarget, runSync, startAgentHarness, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { BAD_SOURCE_CASES } from './bad-source.corpus.js';

let h: AgentHarness;
let ns: string;
let repo: { url: string; path: string };
const good = { 'app/keep.yaml': configMap('keep', { v: '1' }) };

/** Every ConfigMap of the namespace (the applied one and the inventory) with its resourceVersion. */
async function clusterState(): Promise<string[]> {
  const items: KubeObject[] = await h.kube.list('v1', 'ConfigMap', { namespace: ns });
  return items.map((o) => `${o.metadata.name}@${String(o.metadata.resourceVersion)}`).sort();
}

beforeAll(async () => {
  h = await startAgentHarness(inject('kubeconfigPath'));
  ns = uniqueName('bad-src');
  await ensureNamespace(h, ns);
  repo = await h.git.createRepo(`acme/${ns}`);
  await commitFiles(repo.path, good);
  const first = await runSync(h, flagTarget('app', ns, { url: repo.url, path: 'app' }));
  expect(first.outcome, first.message).toBe('Applied');
});
afterAll(async () => {
  await h?.close();
});

describe(`agent: ${BAD_SOURCE_CASES.length} bad revisions, nothing applied or pruned`, () => {
  const target = () => flagTarget('app', ns, { url: repo.url, path: 'app' });
  it.each(BAD_SOURCE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await clusterState();
    const writes = h.kube.stats.writes;
    const revision = await commitFiles(repo.path, { ...good, ...c.files });
    const report = await runSync(h, target());
    expect({ outcome: report.outcome, code: report.error?.code }, report.message).toMatchObject({ outcome: c.outcome, code: expect.stringContaining(c.code) });
    expect(report.message).toContain(c.says);
    if (c.file) expect(report.error?.file).toBe(c.file);
    if (c.line !== undefined) expect(report.error?.line).toBe(c.line);
    expect(report.revision ?? revision).toBe(revision);
    expect(report.changes.filter((ch) => ch.action !== 'unchanged')).toEqual([]);
    expect(report.prune.deleted).toEqual([]);
    expect(h.kube.stats.writes).toBe(writes);
    expect(await clusterState()).toEqual(before);
  });

  it('history rewritten: a pinned commit that no longer exists on the remote stalls, changing nothing', async () => {
    const pinned = await commitFiles(repo.path, { ...good, 'app/extra.yaml': configMap('extra', { v: '1' }) });
    await commitFiles(repo.path, good, { rewrite: true });
    // A fresh cache, as after an agent restart: the commit must come from the remote, which lost it.
    const source = new IsomorphicGitSource({ cacheDir: join(h.tmp, `fresh-${Date.now()}`) });
    const before = await clusterState();
    const writes = h.kube.stats.writes;
    const report = await reconcileSync(flagTarget('app', ns, { url: repo.url, path: 'app', ref: { commit: pinned } }), { kube: h.kube, source, renderer: { render: renderSource }, tools: h.tools, tmpDir: h.tmp }, { healthTimeoutMs: 5_000 });
    expect(report.outcome, report.message).toBe('Stalled');
    expect(report.error?.code).toMatch(/^source\./);
    expect(report.message).toContain(pinned.slice(0, 12));
    expect(h.kube.stats.writes).toBe(writes);
    expect(await clusterState()).toEqual(before);
  });

  it('history rewritten: the branch force-pushed to an unrelated root commit is applied as the new head', async () => {
    const fixed = await commitFiles(repo.path, { ...good, 'app/after.yaml': configMap('after', { v: '1' }) });
    expect((await runSync(h, target())).outcome).toBe('Applied');
    // The last applied commit is gone from the branch's history; the agent's cache still has it.
    const rewritten = await commitFiles(repo.path, { 'app/keep.yaml': configMap('keep', { v: '2' }) }, { rewrite: true });
    expect(rewritten).not.toBe(fixed);
    const report = await runSync(h, target());
    expect(report.outcome, report.message).toBe('Applied');
    expect(report.revision).toBe(rewritten);
    expect((await h.kube.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'keep' }))?.data).toEqual({ v: '2' });
    expect(report.prune.deleted.map((d) => d.name)).toEqual(['after']);
  });
});
