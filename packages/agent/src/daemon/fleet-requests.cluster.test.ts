import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../plan/kube-object.js';
import type { KubeApi } from '../ports.js';
import { configMap, createSource, ensureNamespace, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, eventually, getSync, readyRevision, useDaemonCluster, startTestAgent } from './test/daemon-harness.js';

// Many Syncs in one namespace (issue 14): what each drift check asks the API server must not grow
// with the other Syncs' objects. The daemon in-process against the run's kube-apiserver; its real
// KubeClient is interposed on to count what each LIST returned and which status writes it sent.
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const syncs = 4;
const objects = 4;

interface Seen {
  lists: Array<{ kind: string; namespace?: string | undefined; returned: number }>;
  statusWrites: string[];
  /** In order: each GET of a Sync's inventory ConfigMap, each LIST by its owner selector, and each reconcile's end (onReport). */
  steps: Array<{ sync: string; step: 'inventory-get' | 'list' | 'report' }>;
}

/** The real client, with every LIST's size and every status write recorded in `seen`. */
function counting(real: KubeApi, seen: Seen): KubeApi {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'list') {
        return async (apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }) => {
          const listed = await target.list(apiVersion, kind, options);
          seen.lists.push({ kind, namespace: options?.namespace, returned: listed.length });
          const owner = /ferry\.dev\/sync-name=([^,]+)/.exec(options?.labelSelector ?? '')?.[1];
          if (owner) seen.steps.push({ sync: owner, step: 'list' });
          return listed;
        };
      }
      if (prop === 'get') {
        return async (ref: Parameters<KubeApi['get']>[0]) => {
          if (ref.kind === 'ConfigMap' && ref.name.startsWith('ferry-inventory-')) seen.steps.push({ sync: ref.name.slice('ferry-inventory-'.length), step: 'inventory-get' });
          return target.get(ref);
        };
      }
      if (prop === 'mergePatch') {
        return async (ref: Parameters<KubeApi['mergePatch']>[0], patch: unknown, options?: { subresource?: 'status' }): Promise<KubeObject> => {
          if (options?.subresource === 'status') seen.statusWrites.push(ref.name);
          return target.mergePatch(ref, patch, options);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('many Syncs in one namespace', () => {
  it('a drift check lists only its own Sync\'s objects, and once, reads its inventory once and, with nothing changed, writes no status', async () => {
    const ns = uniqueName('fleetreq');
    await ensureNamespace(h, ns);
    const files = Object.fromEntries(Array.from({ length: syncs }, (_, s) => Array.from({ length: objects }, (_, o) => [`s${s}/cm-${o}.yaml`, configMap(`s${s}-cm-${o}`, { v: '1' })])).flat());
    const src = await createSource(h, ns, files);
    for (let s = 0; s < syncs; s++) await createSync(kubeconfig, ns, `s${s}`, { url: src.url, path: `s${s}`, interval: '2s', timeout: '10s' });
    const seen: Seen = { lists: [], statusWrites: [], steps: [] };
    const agent = await startTestAgent(h, kubeconfig, ns, { maxConcurrent: syncs }, {
      kube: (real) => counting(real, seen),
      onReport: (report) => seen.steps.push({ sync: report.sync.name, step: 'report' }),
    });
    try {
      await eventually(`all ${syncs} Syncs Ready`, 30_000, async () => {
        for (let s = 0; s < syncs; s++) if (readyRevision(await getSync(h, ns, `s${s}`)) !== src.first) return false;
        return true;
      });
      const applied = (s: number) => agent.metrics.reconciles.get({ namespace: ns, name: `s${s}`, outcome: 'Applied' });
      // The first drift check after the first sync rewrites the status message ("4 created" becomes
      // "4 unchanged"); from the second on the status is what it was.
      await eventually('two reconciles of every Sync', 30_000, async () => Array.from({ length: syncs }, (_, s) => applied(s)).every((n) => n >= 2));
      const from = Array.from({ length: syncs }, (_, s) => applied(s));
      const lists = seen.lists.length;
      const statusWrites = seen.statusWrites.length;
      await eventually('two more drift checks of every Sync', 30_000, async () => from.every((n, s) => applied(s) >= n + 2));

      const idleLists = seen.lists.slice(lists).filter((l) => l.kind === 'ConfigMap' && l.namespace === ns);
      expect(idleLists.length).toBeGreaterThanOrEqual(2 * syncs);
      // Each LIST holds one Sync's objects, not every Sync's in the namespace (16 here; 10,000 for
      // 500 Syncs of 20 objects, listed by each of them every interval).
      expect(Math.max(...idleLists.map((l) => l.returned))).toBe(objects);
      expect(seen.statusWrites.slice(statusWrites)).toEqual([]);
      // The inventory is read once per drift check (the daemon reads it to tell drift; the
      // reconcile used to read it again), and the Sync's objects are listed once (the ownership
      // takeover and the apply step each listed them). Reconciles of one Sync never overlap, so
      // what comes between two of its reports is one reconcile's.
      for (let s = 0; s < syncs; s++) {
        const own = seen.steps.filter((e) => e.sync === `s${s}`).map((e) => e.step).join(' ');
        const reconciles = own.split('report').slice(1, -1);
        expect(reconciles.length).toBeGreaterThanOrEqual(3);
        for (const step of ['inventory-get', 'list']) {
          const perReconcile = reconciles.map((between) => between.split(step).length - 1);
          expect(perReconcile, `s${s} ${step}: ${own}`).toEqual(perReconcile.map(() => 1));
        }
      }
    } finally {
      await agent.stop(5_000);
    }
  });
});
