import { kubectlPath } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configMap, createSource, ensureNamespace, flagTarget, getConfigMap, runSync, startAgentHarness, uniqueName, type AgentHarness } from '../test/agent-harness.js';

// Real kube-apiserver (the run's shared control plane), real git http-backend, real kubectl for the
// drift. Requests are counted by the KubeClient (RequestStats: reads, dry-runs, writes).
let h: AgentHarness;
beforeAll(async () => {
  h = await startAgentHarness(inject('kubeconfigPath'));
});
afterAll(async () => {
  await h?.close();
});

const N = 30;

function files(version: (i: number) => string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: N }, (_, i) => [`app/cm-${i}.yaml`, configMap(`cm-${i}`, { v: version(i) })]));
}

function delta(before: { reads: number; dryRuns: number; writes: number }) {
  return { reads: h.kube.stats.reads - before.reads, dryRuns: h.kube.stats.dryRuns - before.dryRuns, writes: h.kube.stats.writes - before.writes };
}

describe('incremental reconcile: requests proportional to what changed', () => {
  it('drift check of unchanged objects asks nothing per object; one change costs O(1); a kubectl edit is corrected', async () => {
    const ns = uniqueName('incr');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, files(() => '1'));
    const target = flagTarget('app', ns, { url: src.url, path: 'app' });
    let before = { ...h.kube.stats };
    const first = await runSync(h, target);
    expect(first.outcome, first.message).toBe('Applied');
    expect(first.changes.filter((c) => c.action === 'create')).toHaveLength(N);
    // First sync: one dry-run and one write per object, plus the inventory: dry-run once (may it be
    // written?), written ahead of the objects and completed after them. No GET per object (a new
    // object is told by its dry-run).
    const firstSync = delta(before);
    expect(firstSync.dryRuns).toBe(N + 1);
    expect(firstSync.writes).toBe(N + 2);

    // Drift check (forced) with nothing changed: the inventory GET and one LIST of ConfigMaps in
    // the namespace, no dry-run, no write, no GET per object.
    before = { ...h.kube.stats };
    const forced = await runSync(h, target, { force: true });
    expect(forced.outcome, forced.message).toBe('Applied');
    expect(forced.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(delta(before)).toEqual({ reads: expect.any(Number), dryRuns: 0, writes: 0 });
    expect(delta(before).reads).toBeLessThanOrEqual(3);

    // One object changed in Git: one dry-run and one apply of it, one inventory write.
    await src.commit(files((i) => (i === 7 ? '2' : '1')));
    before = { ...h.kube.stats };
    const update = await runSync(h, target);
    expect(update.outcome, update.message).toBe('Applied');
    expect(update.changes.filter((c) => c.action !== 'unchanged')).toEqual([expect.objectContaining({ action: 'configure', paths: ['data.v'] })]);
    const changed = delta(before);
    expect(changed.dryRuns).toBe(1);
    expect(changed.writes).toBeLessThanOrEqual(2);
    expect(changed.reads).toBeLessThanOrEqual(5);
    expect((await getConfigMap(h, ns, 'cm-7'))?.data).toEqual({ v: '2' });

    // Real drift: kubectl edits one object. The drift check sees its resourceVersion moved, dry-runs
    // that object alone and corrects it.
    await promisify(execFile)(kubectlPath(), ['--kubeconfig', inject('kubeconfigPath'), '-n', ns, 'patch', 'configmap', 'cm-3', '--type=merge', '-p', '{"data":{"v":"edited"}}']);
    expect((await getConfigMap(h, ns, 'cm-3'))?.data).toEqual({ v: 'edited' });
    before = { ...h.kube.stats };
    const drift = await runSync(h, target, { force: true });
    expect(drift.outcome, drift.message).toBe('Applied');
    expect(drift.changes.filter((c) => c.action !== 'unchanged')).toEqual([expect.objectContaining({ ref: expect.objectContaining({ name: 'cm-3' }), action: 'configure' })]);
    expect((await getConfigMap(h, ns, 'cm-3'))?.data).toEqual({ v: '1' });
    expect(delta(before).dryRuns).toBe(1);

    // The correction is recorded: the next drift check is request-free again.
    before = { ...h.kube.stats };
    const quiet = await runSync(h, target, { force: true });
    expect(quiet.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(delta(before)).toMatchObject({ dryRuns: 0, writes: 0 });
  });
});
