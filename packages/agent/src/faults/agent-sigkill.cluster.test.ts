// `ferry-agent run` as a real child process, SIGKILLed in the middle of applying 1,000 objects, then
// started again (same identity, as a container restart in its pod): the run's real kube-apiserver,
// real `git http-backend`. Nothing may be lost, nothing pruned that Git still has, nothing left over.
import { kubectl } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, eventually, getSync, startDaemonCluster } from '../daemon/test/daemon-harness.js';
import { decodeInventory } from '../plan/inventory.js';
import type { KubeObject } from '../plan/kube-object.js';
import { inventoryName } from '../reconcile/inventory-store.js';
import { ReconcileRequestAnnotation } from '../daemon/sync-daemon.js';
import { ownerSelector } from '../sync/labels.js';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { buildAgentBin, spawnAgent, type AgentBin, type AgentProcess } from './test/agent-process.js';
import { conditionOf, statusOf } from './test/fault-scenario.js';

let h: AgentHarness;
let kubeconfig: string;
let bin: AgentBin;
beforeAll(async () => {
  ({ h, kubeconfig } = await startDaemonCluster());
  bin = await buildAgentBin();
});
afterAll(async () => {
  await h?.close();
});

const name = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}`;
/** `count` ConfigMaps named prefix-0000..., each carrying its index and the revision's mark. */
function objects(prefix: string, indices: Iterable<number>, mark: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const i of indices) files[`app/${name(prefix, i)}.yaml`] = configMap(name(prefix, i), { index: String(i), mark });
  return files;
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('agent SIGKILLed mid-apply', () => {
  it('1,000 objects: killed part-way, restarted, all applied with the right content; then a commit removing 100 prunes exactly those; a kill before a removal leaves nothing behind', async () => {
    const ns = uniqueName('sigkill');
    await ensureNamespace(h, ns);
    const identity = { namespace: ns, name: 'bulk' };
    const src = await createSource(h, ns, objects('cm', range(0, 1000), 'a'));
    await createSync(kubeconfig, ns, 'bulk', { url: src.url, path: 'app', interval: '1h', timeout: '30s' });
    const args = ['run', '--kubeconfig', kubeconfig, '--namespace', ns, '--lease-namespace', ns, '--identity', 'agent-0', '--metrics-addr', 'off', '--cache-dir', `${h.tmp}/sigkill-cache-${ns}`, '--shutdown-grace', '10s'];
    const live = async (): Promise<Map<string, KubeObject>> => {
      const list = await h.kube.list('v1', 'ConfigMap', { namespace: ns, labelSelector: ownerSelector(identity) });
      return new Map(list.map((o) => [o.metadata.name, o]));
    };
    const inventory = async (): Promise<string[]> => {
      const cm = await getConfigMap(h, ns, inventoryName(identity));
      return decodeInventory(((cm?.data ?? {}) as Record<string, string>)['inventory'] ?? '').map((r) => r.name).sort();
    };
    const status = async () => statusOf(await getSync(h, ns, 'bulk'));
    const requestReconcile = (token: string) => kubectl(kubeconfig, ['annotate', 'sync', 'bulk', '-n', ns, `${ReconcileRequestAnnotation}=${token}`, '--overwrite']);
    const appliedAt = (revision: string) => eventually(`revision ${revision.slice(0, 8)} applied and Ready`, 90_000, async () => {
      const s = await status();
      return s.lastAppliedRevision === revision && conditionOf(s, 'Ready')?.status === 'True' ? s : undefined;
    });
    const uids = (objects: Map<string, KubeObject>) => new Map([...objects].map(([key, o]) => [key, o.metadata.uid]));

    let agent: AgentProcess | undefined = spawnAgent(bin, args);
    try {
      // Kill once some, not all, of the 1,000 exist.
      await eventually('some objects applied', 60_000, async () => (await live()).size >= 100);
      expect((await agent.stop('SIGKILL')).signal).toBe('SIGKILL');
      const afterKill = await live();
      console.log(`killed with ${afterKill.size} of 1,000 objects applied`);
      expect(afterKill.size).toBeGreaterThanOrEqual(100);
      expect(afterKill.size).toBeLessThan(1000);
      // Status does not claim what did not happen; the inventory already names every object written.
      expect((await status()).lastAppliedRevision).toBeUndefined();
      const known = new Set(await inventory());
      expect([...afterKill.keys()].filter((n) => !known.has(n))).toEqual([]);

      agent = spawnAgent(bin, args);
      const converged = await appliedAt(src.first);
      expect(converged.inventorySize).toBe(1000);
      expect(conditionOf(converged, 'Ready')?.reason).toBe('ReconciliationSucceeded');
      const all = await live();
      expect([...all.keys()].sort()).toEqual(range(0, 1000).map((i) => name('cm', i)));
      for (const [key, object] of all) expect(object.data).toEqual({ index: String(Number(key.slice(3))), mark: 'a' });
      // The objects written before the kill were updated in place, never deleted and recreated.
      for (const [key, uid] of uids(afterKill)) expect(all.get(key)?.metadata.uid).toBe(uid);
      expect(await inventory()).toEqual(range(0, 1000).map((i) => name('cm', i)));

      // A later commit removes every tenth object: exactly those 100 go, the other 900 stay untouched.
      const kept = range(0, 1000).filter((i) => i % 10 !== 0);
      const second = await src.commit(objects('cm', kept, 'a'));
      await requestReconcile('remove-100');
      const pruned = await appliedAt(second);
      expect(pruned.inventorySize).toBe(900);
      expect(conditionOf(pruned, 'Ready')?.message).toContain('100 pruned');
      const remaining = await live();
      expect([...remaining.keys()].sort()).toEqual(kept.map((i) => name('cm', i)));
      for (const [key, uid] of uids(remaining)) expect(uid).toBe(all.get(key)?.metadata.uid);
      expect(await inventory()).toEqual(kept.map((i) => name('cm', i)));

      // Killed while adding 400 objects, and those removed from Git before the restart: the restarted
      // agent prunes the ones the killed run had created (the inventory named them before the writes).
      const third = await src.commit({ ...objects('cm', kept, 'a'), ...objects('extra', range(0, 400), 'c') });
      await requestReconcile('add-400');
      await eventually('some extra objects applied', 60_000, async () => [...(await live()).keys()].some((n) => n.startsWith('extra-')));
      expect((await agent.stop('SIGKILL')).signal).toBe('SIGKILL');
      const createdExtras = [...(await live()).keys()].filter((n) => n.startsWith('extra-'));
      expect(createdExtras.length).toBeGreaterThan(0);
      console.log(`killed with ${createdExtras.length} of 400 extra objects applied`);
      const fourth = await src.commit(objects('cm', kept, 'a'));
      expect(fourth).not.toBe(third);
      agent = spawnAgent(bin, args);
      const cleaned = await appliedAt(fourth);
      expect(cleaned.inventorySize).toBe(900);
      const final = await live();
      expect([...final.keys()].sort()).toEqual(kept.map((i) => name('cm', i)));
      for (const [key, uid] of uids(final)) expect(uid).toBe(all.get(key)?.metadata.uid);
      expect(await inventory()).toEqual(kept.map((i) => name('cm', i)));

      const exit = await agent.stop('SIGTERM');
      expect(exit.code, agent.output().slice(-2000)).toBe(0);
      agent = undefined;
    } finally {
      await agent?.stop('SIGKILL');
    }
  }, 240_000);
});
