import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeObject, ObjectRef } from '../plan/kube-object.js';
import { configMap, createSource, ensureNamespace, flagTarget, getConfigMap, runSync, startAgentHarness, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { inventoryName } from './inventory-store.js';

// Issue 17, the prune-and-ownership risks, against the run's real kube-apiserver (with its namespace
// and PV controllers) and a real git http-backend server.
let h: AgentHarness;
beforeAll(async () => {
  h = await startAgentHarness(inject('kubeconfigPath'));
});
afterAll(async () => {
  await h?.close();
});

const namespace = (name: string, annotations?: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(annotations ? { annotations } : {}) } }) + '\n';
const claim = (name: string, ns: string, annotations?: Record<string, string>) => JSON.stringify({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'none', resources: { requests: { storage: '1Gi' } } },
}) + '\n';
const nsRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name });
const claimRef = (name: string, ns: string): ObjectRef => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name });
const ownerLabelsOf = (object: KubeObject | undefined) => Object.keys(object?.metadata.labels ?? {}).filter((k) => k.startsWith('ferry.dev/'));
/** A Namespace that is gone or being deleted (the namespace controller finishes it in its own time). */
const deletedOrGoing = (object: KubeObject | undefined) => object === undefined || object.metadata.deletionTimestamp !== undefined;

describe('prune and ownership safety (issue 17)', () => {
  it('an object that existed before Ferry applied it, and the Sync\'s own Namespace, are released on prune, never deleted', async () => {
    const legacy = uniqueName('legacy');
    const state = uniqueName('state');
    const made = uniqueName('made');
    await ensureNamespace(h, legacy);
    await ensureNamespace(h, state);
    // Made by hand before Ferry: a ConfigMap among several (the LIST path) and a lone Secret (the GET path).
    await h.kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pre', namespace: legacy }, data: { v: 'by hand' } });
    await h.kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pre-secret', namespace: legacy }, stringData: { k: 'v' } });
    const src = await createSource(h, legacy, {
      'app/ns.yaml': namespace(legacy) + '---\n' + namespace(state) + '---\n' + namespace(made),
      'app/pre.yaml': configMap('pre', { v: 'from git' }, { namespace: legacy }),
      'app/secret.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pre-secret', namespace: legacy }, stringData: { k: 'git' } }),
      'app/fresh.yaml': configMap('fresh', { v: '1' }, { namespace: legacy }) + '---\n' + configMap('fresh2', { v: '1' }, { namespace: legacy }),
      'app/stay.yaml': configMap('stay', { v: '1' }, { namespace: state }),
    });
    const target = flagTarget('app', state, { url: src.url, path: 'app', allowDeleteAllNamespaces: true });
    const first = await runSync(h, target);
    expect(first.outcome, first.message).toBe('Applied');
    const adopted = async (ref: ObjectRef) => (await h.kube.get(ref))?.metadata.annotations?.['ferry.dev/adopted'];
    expect(await adopted(nsRef(legacy))).toBe('true');
    expect(await adopted(nsRef(state))).toBe('true');
    expect(await adopted({ apiVersion: 'v1', kind: 'ConfigMap', namespace: legacy, name: 'pre' })).toBe('true');
    expect(await adopted({ apiVersion: 'v1', kind: 'Secret', namespace: legacy, name: 'pre-secret' })).toBe('true');
    expect(await adopted(nsRef(made))).toBeUndefined();
    expect(await adopted({ apiVersion: 'v1', kind: 'ConfigMap', namespace: legacy, name: 'fresh' })).toBeUndefined();

    // The mark survives later applies (server-side apply would drop a field the agent stops sending).
    const again = await runSync(h, target, { force: true });
    expect(again.changes.map((c) => c.action)).toEqual(again.changes.map(() => 'unchanged'));
    expect(await adopted(nsRef(legacy))).toBe('true');

    // An admin removes the mark on the state Namespace: it is still never deleted (it holds the Sync's state).
    await h.kube.mergePatch(nsRef(state), { metadata: { annotations: { 'ferry.dev/adopted': null } } });

    // Everything but one ConfigMap leaves the source.
    await src.commit({ 'app/stay.yaml': configMap('stay', { v: '1' }, { namespace: state }) });
    const report = await runSync(h, target);
    expect(report.outcome, report.message).toBe('Applied');
    const released = report.prune.skipped.filter((s) => s.action === 'release').map((s) => `${s.ref.kind} ${s.ref.name}`).sort();
    expect(released).toEqual([`ConfigMap pre`, `Namespace ${legacy}`, `Namespace ${state}`, `Secret pre-secret`].sort());
    expect(report.prune.deleted.map((r) => `${r.kind} ${r.name}`).sort()).toEqual(['ConfigMap fresh', 'ConfigMap fresh2', `Namespace ${made}`].sort());
    expect(report.message).toContain('released');

    const legacyNs = await h.kube.get(nsRef(legacy));
    expect(legacyNs?.metadata.deletionTimestamp).toBeUndefined();
    expect(ownerLabelsOf(legacyNs)).toEqual([]);
    expect(legacyNs?.metadata.annotations?.['ferry.dev/adopted']).toBeUndefined();
    const stateNs = await h.kube.get(nsRef(state));
    expect(stateNs?.metadata.deletionTimestamp).toBeUndefined();
    expect(ownerLabelsOf(stateNs)).toEqual([]);
    const pre = await getConfigMap(h, legacy, 'pre');
    expect(pre?.data).toEqual({ v: 'from git' });
    expect(ownerLabelsOf(pre)).toEqual([]);
    expect(await h.kube.get({ apiVersion: 'v1', kind: 'Secret', namespace: legacy, name: 'pre-secret' })).toBeDefined();
    expect(await getConfigMap(h, legacy, 'fresh')).toBeUndefined();
    expect(deletedOrGoing(await h.kube.get(nsRef(made)))).toBe(true);
    expect(report.inventorySize).toBe(1);
  });

  it('a deleted inventory is recovered from the owner labels, and a later revision prunes what left the source', async () => {
    const ns = uniqueName('lost');
    await ensureNamespace(h, ns);
    const files = { 'app/a.yaml': configMap('a', { v: '1' }), 'app/b.yaml': configMap('b', { v: '1' }), 'app/c.yaml': configMap('c', { v: '1' }) };
    const src = await createSource(h, ns, files);
    const target = flagTarget('app', ns, { url: src.url, path: 'app' });
    expect((await runSync(h, target)).outcome).toBe('Applied');

    // Someone deletes the inventory, and b leaves the source.
    expect(await h.kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: inventoryName(target.identity) })).toBe(true);
    await src.commit({ 'app/a.yaml': configMap('a', { v: '1' }), 'app/c.yaml': configMap('c', { v: '1' }) });
    const recovering = await runSync(h, target);
    expect(recovering.outcome, recovering.message).toBe('Applied');
    // Nothing is deleted on a guessed inventory; b is reported and recorded.
    expect(recovering.prune.deleted).toEqual([]);
    expect(recovering.prune.skipped).toEqual([expect.objectContaining({ ref: expect.objectContaining({ name: 'b' }), action: 'block', reason: expect.stringContaining('inventory was missing') })]);
    expect(recovering.message).toContain('inventory was missing');
    expect(recovering.inventorySize).toBe(3);
    expect(await getConfigMap(h, ns, 'b')).toBeDefined();

    // The next revision prunes it, as if the inventory had never been lost.
    await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }), 'app/c.yaml': configMap('c', { v: '1' }) });
    const later = await runSync(h, target);
    expect(later.outcome, later.message).toBe('Applied');
    expect(later.prune.deleted.map((r) => r.name)).toEqual(['b']);
    expect(await getConfigMap(h, ns, 'b')).toBeUndefined();
    expect(later.inventorySize).toBe(2);
  });

  it('a rename does not prune a PersistentVolumeClaim, nor a Namespace holding one, unless annotated to allow data loss', async () => {
    const ns = uniqueName('vol');
    const gone = uniqueName('volns');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, {
      'app/data.yaml': claim('data', ns),
      'app/ns.yaml': namespace(gone),
      'app/inner.yaml': claim('inner', gone),
    });
    // PVCs stay Pending without a provisioner: a short health wait.
    const target = flagTarget('app', ns, { url: src.url, path: 'app', allowDeleteAllNamespaces: true });
    const first = await runSync(h, target, { healthTimeoutMs: 200 });
    expect(['Applied', 'Unhealthy'], first.message).toContain(first.outcome);

    // Rename data -> data2; drop the Namespace and its claim.
    await src.commit({ 'app/data.yaml': claim('data2', ns) });
    const renamed = await runSync(h, target, { healthTimeoutMs: 200 });
    expect(['Applied', 'Unhealthy'], renamed.message).toContain(renamed.outcome);
    expect(renamed.prune.deleted).toEqual([]);
    const blocked = renamed.prune.skipped.filter((s) => s.action === 'block');
    expect(blocked.map((s) => `${s.ref.kind} ${s.ref.name}`).sort()).toEqual([`Namespace ${gone}`, 'PersistentVolumeClaim data', 'PersistentVolumeClaim inner'].sort());
    expect(blocked.find((s) => s.ref.kind === 'Namespace')?.reason).toContain('holds 1 PersistentVolumeClaim');
    expect(renamed.message).toContain('ferry.dev/prune: allow-data-loss');
    expect((await h.kube.get(claimRef('data', ns)))?.metadata.deletionTimestamp).toBeUndefined();
    expect((await h.kube.get(nsRef(gone)))?.metadata.deletionTimestamp).toBeUndefined();
    // Blocked objects stay in the inventory: data2 plus the three blocked.
    expect(renamed.inventorySize).toBe(4);

    // Allowed by hand: the next sync that runs deletes them.
    for (const ref of [claimRef('data', ns), claimRef('inner', gone), nsRef(gone)]) {
      await h.kube.mergePatch(ref, { metadata: { annotations: { 'ferry.dev/prune': 'allow-data-loss' } } });
    }
    const allowed = await runSync(h, target, { force: true, healthTimeoutMs: 200 });
    expect(allowed.prune.deleted.map((r) => `${r.kind} ${r.name}`).sort()).toEqual([`Namespace ${gone}`, 'PersistentVolumeClaim data', 'PersistentVolumeClaim inner'].sort());
    expect(deletedOrGoing(await h.kube.get(claimRef('data', ns)))).toBe(true);
    expect(deletedOrGoing(await h.kube.get(nsRef(gone)))).toBe(true);
    expect(allowed.inventorySize).toBe(1);
  });

  it('an object another Sync owns stalls the revision (OwnershipConflict) with nothing applied, so the loser never reports a deleted object as applied', async () => {
    const ns = uniqueName('claim');
    const sharedNs = uniqueName('sharedns');
    await ensureNamespace(h, ns);
    const many = (prefix: string) => Object.fromEntries([1, 2, 3].map((i) => [`app/${prefix}${i}.yaml`, configMap(`${prefix}${i}`, { v: prefix })]));
    const srcA = await createSource(h, `${ns}-a`, { ...many('a'), 'app/shared.yaml': configMap('shared', { owner: 'a' }), 'app/ns.yaml': namespace(sharedNs) });
    const srcB = await createSource(h, `${ns}-b`, { ...many('b'), 'app/shared.yaml': configMap('shared', { owner: 'b' }), 'app/ns.yaml': namespace(sharedNs) });
    const a = flagTarget('team-a', ns, { url: srcA.url, path: 'app' });
    const b = flagTarget('team-b', ns, { url: srcB.url, path: 'app' });
    expect((await runSync(h, a)).outcome).toBe('Applied');

    const writes = h.kube.stats.writes;
    const refused = await runSync(h, b);
    expect(refused).toMatchObject({ outcome: 'Stalled', reason: 'OwnershipConflict', error: { code: 'apply.ownership-conflict', file: 'app/ns.yaml', line: 1 } });
    expect(refused.message).toContain(`ConfigMap ${ns}/shared belongs to`);
    expect(refused.message).toContain(`Namespace ${sharedNs} belongs to`);
    expect(refused.message).toContain('team-a');
    expect(h.kube.stats.writes).toBe(writes);
    const shared = await getConfigMap(h, ns, 'shared');
    expect(shared?.data).toEqual({ owner: 'a' });
    expect(shared?.metadata.labels?.['ferry.dev/sync-name']).toBe('team-a');
    expect(await getConfigMap(h, ns, 'b1')).toBeUndefined();

    // B drops the shared objects: it applies, and A's objects stay A's, untouched.
    await srcB.commit(many('b'));
    const fixed = await runSync(h, b);
    expect(fixed.outcome, fixed.message).toBe('Applied');
    expect(fixed.prune.deleted).toEqual([]);
    expect((await getConfigMap(h, ns, 'shared'))?.data).toEqual({ owner: 'a' });
    expect((await runSync(h, a, { force: true })).changes.every((c) => c.action === 'unchanged')).toBe(true);
  });
});
