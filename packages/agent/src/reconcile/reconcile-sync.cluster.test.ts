import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configMap, createSource, ensureNamespace, flagTarget, getConfigMap, runSync, startAgentHarness, uniqueName, type AgentHarness } from '../test/agent-harness.js';

// Real kube-apiserver (the run's shared control plane) and a real git http-backend server.
let h: AgentHarness;
beforeAll(async () => {
  h = await startAgentHarness(inject('kubeconfigPath'));
});
afterAll(async () => {
  await h?.close();
});

describe('reconcileSync against a real API server', () => {
  it('first sync, no-op, update and prune of a removed object', async () => {
    const ns = uniqueName('first');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }), 'app/b.yaml': configMap('b', { v: '1' }) });
    const target = flagTarget('app', ns, { url: src.url, path: 'app' });

    const first = await runSync(h, target);
    expect(first.outcome, first.message).toBe('Applied');
    expect(first.revision).toBe(src.first);
    expect(first.changes.map((c) => c.action)).toEqual(['create', 'create']);
    const a = await getConfigMap(h, ns, 'a');
    expect(a?.data).toEqual({ v: '1' });
    expect(a?.metadata.labels).toMatchObject({ 'ferry.dev/sync-name': 'app', 'ferry.dev/sync-namespace': ns });
    expect(a?.metadata.managedFields).toEqual(expect.arrayContaining([expect.objectContaining({ manager: 'ferry-agent', operation: 'Apply' })]));

    // Head unchanged: no fetch, no render, no dry-run, no write.
    const before = { ...h.kube.stats };
    const again = await runSync(h, target);
    expect(again.outcome).toBe('Unchanged');
    expect(h.kube.stats.writes).toBe(before.writes);
    expect(h.kube.stats.dryRuns).toBe(before.dryRuns);

    // Forced (drift check) with nothing changed: dry-runs, but zero writes.
    const forced = await runSync(h, target, { force: true });
    expect(forced.outcome).toBe('Applied');
    expect(forced.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    expect(h.kube.stats.writes).toBe(before.writes);

    // Update one object and remove the other: exactly one object write and one delete.
    const second = await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }) });
    const writesBefore = h.kube.stats.writes;
    const update = await runSync(h, target);
    expect(update.outcome, update.message).toBe('Applied');
    expect(update.revision).toBe(second);
    expect(update.changes).toEqual([expect.objectContaining({ action: 'configure', paths: ['data.v'] })]);
    expect(update.prune.deleted.map((r) => r.name)).toEqual(['b']);
    // one apply + one delete + one inventory write
    expect(h.kube.stats.writes - writesBefore).toBe(3);
    expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '2' });
    expect(await getConfigMap(h, ns, 'b')).toBeUndefined();
    expect(update.inventorySize).toBe(1);
  });

  it('refuses an empty render and a revision that deletes every Namespace, unless allowed', async () => {
    const ns = uniqueName('guard');
    const src = await createSource(h, ns, {
      'app/ns.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'app/cm.yaml': configMap('keep', { v: '1' }, { namespace: ns }),
    });
    await ensureNamespace(h, 'ferry-agent-tests');
    const target = flagTarget(ns, 'ferry-agent-tests', { url: src.url, path: 'app' });
    expect((await runSync(h, target)).outcome).toBe('Applied');

    await src.commit({ 'app/README.md': 'nothing here' });
    const empty = await runSync(h, target);
    expect(empty).toMatchObject({ outcome: 'Stalled', reason: 'PruneBlocked', error: { code: 'guard.empty' } });
    expect(await getConfigMap(h, ns, 'keep')).toBeDefined();

    await src.commit({ 'app/cm.yaml': configMap('keep', { v: '1' }, { namespace: ns }) });
    const noNamespaces = await runSync(h, target);
    expect(noNamespaces).toMatchObject({ outcome: 'Stalled', reason: 'PruneBlocked', error: { code: 'guard.namespaces' } });
    expect(noNamespaces.message).toContain(ns);
    const live = await h.kube.get({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: ns });
    expect(live?.metadata.deletionTimestamp).toBeUndefined();

    const allowed = await runSync(h, flagTarget(ns, 'ferry-agent-tests', { url: src.url, path: 'app', allowDeleteAllNamespaces: true }));
    expect(allowed.outcome, allowed.message).not.toBe('Stalled');
    expect(allowed.prune.deleted.map((r) => r.kind)).toEqual(['Namespace']);
  });

  it.each([
    ['bad YAML', { 'app/a.yaml': configMap('a', { v: '2' }), 'app/new.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n data: {}\n' }, 'BuildFailed', 'app/new.yaml', 5],
    ['an invalid object', { 'app/a.yaml': configMap('a', { v: '2' }), 'app/new.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\nspec:\n  replicas: 1\n' }, 'ValidationFailed', 'app/new.yaml', 1],
    ['an unknown kind', { 'app/a.yaml': configMap('a', { v: '2' }), 'app/new.yaml': 'apiVersion: acme.io/v1\nkind: Gadget\nmetadata:\n  name: new\n' }, 'BuildFailed', 'app/new.yaml', 1],
    ['a failing kustomize build', { 'app/a.yaml': configMap('a', { v: '2' }), 'app/kustomization.yaml': 'resources:\n  - a.yaml\n  - missing.yaml\n' }, 'BuildFailed', 'app/missing.yaml', undefined],
  ])('a commit with %s applies nothing, and the next good commit applies', async (_name, broken, reason, file, line) => {
    const ns = uniqueName('broken');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }), 'app/b.yaml': configMap('b', { v: '1' }) });
    const target = flagTarget('app', ns, { url: src.url, path: 'app' });
    expect((await runSync(h, target)).outcome).toBe('Applied');

    const bad = await src.commit(broken);
    h.tools.kubectl = h.tools.kubectl ?? (await import('@ferry/testenv')).kubectlPath();
    const writes = h.kube.stats.writes;
    const failed = await runSync(h, target);
    expect(failed.outcome, failed.message).toBe('Stalled');
    expect(failed.reason).toBe(reason);
    expect(failed.revision).toBe(bad);
    expect(failed.error?.file).toBe(file);
    if (line !== undefined) expect(failed.error?.line).toBe(line);
    expect(h.kube.stats.writes).toBe(writes);
    expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '1' });
    expect(await getConfigMap(h, ns, 'b')).toBeDefined();

    const good = await src.commit({ 'app/a.yaml': configMap('a', { v: '3' }) });
    const fixed = await runSync(h, target);
    expect(fixed.outcome, fixed.message).toBe('Applied');
    expect(fixed.revision).toBe(good);
    expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '3' });
    expect(await getConfigMap(h, ns, 'b')).toBeUndefined();
  });

  it('applies a CRD and its custom resource from one commit, in a Namespace from the same commit', async () => {
    const ns = uniqueName('crd');
    const group = `${ns.replace(/[^a-z0-9]/g, '')}.acme.io`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group, scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    const src = await createSource(h, ns, {
      'app/0-widget.yaml': JSON.stringify({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } }),
      'app/crd.yaml': JSON.stringify(crd),
      'app/ns.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
    });
    await ensureNamespace(h, 'ferry-agent-tests');
    const report = await runSync(h, flagTarget(ns, 'ferry-agent-tests', { url: src.url, path: 'app', namespace: ns }));
    expect(report.outcome, report.message).toBe('Applied');
    expect(report.changes.map((c) => c.ref.kind)).toEqual(['CustomResourceDefinition', 'Namespace', 'Widget']);
    const widget = await h.kube.get({ apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w1' });
    expect(widget?.spec).toEqual({ size: 3 });
  });

  it('recreates an object on an immutable-field change only when annotated to allow it', async () => {
    const ns = uniqueName('immutable');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/frozen.yaml': configMap('frozen', { v: '1' }, { immutable: true }) });
    const target = flagTarget('app', ns, { url: src.url, path: 'app' });
    expect((await runSync(h, target)).outcome).toBe('Applied');
    const uid = (await getConfigMap(h, ns, 'frozen'))?.metadata.uid;

    await src.commit({ 'app/frozen.yaml': configMap('frozen', { v: '2' }, { immutable: true }) });
    const refused = await runSync(h, target);
    expect(refused).toMatchObject({ outcome: 'Stalled', reason: 'ValidationFailed' });
    expect(refused.message).toContain('ferry.dev/recreate: enabled');
    expect((await getConfigMap(h, ns, 'frozen'))?.data).toEqual({ v: '1' });

    await src.commit({ 'app/frozen.yaml': configMap('frozen', { v: '2' }, { immutable: true, annotations: { 'ferry.dev/recreate': 'enabled' } }) });
    const recreated = await runSync(h, target);
    expect(recreated.outcome, recreated.message).toBe('Applied');
    expect(recreated.changes.map((c) => c.action)).toEqual(['recreate']);
    const live = await getConfigMap(h, ns, 'frozen');
    expect(live?.data).toEqual({ v: '2' });
    expect(live?.metadata.uid).not.toBe(uid);
  });

  it('never prunes an object someone else took over, nor one annotated ferry.dev/prune: disabled', async () => {
    const ns = uniqueName('owned');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, {
      'app/adopted.yaml': configMap('adopted', { v: '1' }),
      'app/kept.yaml': configMap('kept', { v: '1' }, { annotations: { 'ferry.dev/prune': 'disabled' } }),
      'app/gone.yaml': configMap('gone', { v: '1' }),
      'app/stay.yaml': configMap('stay', { v: '1' }),
    });
    const target = flagTarget('app', ns, { url: src.url, path: 'app' });
    expect((await runSync(h, target)).outcome).toBe('Applied');
    // Another owner relabels the object: it is no longer ours.
    await h.kube.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'adopted' }, { metadata: { labels: { 'ferry.dev/sync-name': 'someone-else' } } });

    await src.commit({ 'app/stay.yaml': configMap('stay', { v: '1' }) });
    const report = await runSync(h, target);
    expect(report.outcome, report.message).toBe('Applied');
    expect(report.prune.deleted.map((r) => r.name)).toEqual(['gone']);
    expect(report.prune.skipped.map((s) => s.ref.name).sort()).toEqual(['adopted', 'kept']);
    expect(await getConfigMap(h, ns, 'adopted')).toBeDefined();
    expect(await getConfigMap(h, ns, 'kept')).toBeDefined();
    expect(await getConfigMap(h, ns, 'gone')).toBeUndefined();
    expect(report.inventorySize).toBe(1);
  });
});
