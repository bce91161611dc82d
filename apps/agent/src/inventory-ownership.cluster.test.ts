// Issue 17, bugs 4, 7 and 11b: who owns an inventory. The real `ferry-agent` bin (bundled from the
// current sources, tools as shipped) in a child process, against the run's real kube-apiserver and a
// real git http-backend. Every case checks what the cluster holds afterwards, not only the exit code.
import { expectNoSecrets, kubectl, waitForCrd } from '@ferry/testenv';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// Test support from the agent package (test-only files, not part of its public API).
import { buildAgentBin, spawnAgent, type AgentBin } from '../../../packages/agent/src/faults/test/agent-process.js';
import { configMap, createSource, ensureNamespace, getConfigMap, startAgentHarness, uniqueName, type AgentHarness } from '../../../packages/agent/src/test/agent-harness.js';

const crdDir = fileURLToPath(new URL('../../../packages/agent/crds/', import.meta.url));
let h: AgentHarness;
let kubeconfig: string;
let bin: AgentBin;

beforeAll(async () => {
  kubeconfig = inject('kubeconfigPath');
  h = await startAgentHarness(kubeconfig);
  await kubectl(kubeconfig, ['apply', '--server-side', '-f', crdDir]);
  await waitForCrd(kubeconfig, 'syncs.ferry.dev');
  bin = await buildAgentBin();
}, 180_000);
afterAll(async () => {
  await h?.close();
});

/** `ferry-agent <args>` as a child process; its output is stdout and stderr together. */
async function agent(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawnAgent(bin, [...args, '--kubeconfig', kubeconfig, '--cache-dir', `${h.tmp}/bin-cache`]);
  const { code } = await child.exited;
  expectNoSecrets(child.output(), `ferry-agent ${args[0] ?? ''} output`);
  return { code, output: child.output() };
}

const exists = async (ns: string, name: string) => (await getConfigMap(h, ns, name)) !== undefined;
const names = async (ns: string, ...candidates: string[]) => {
  const present: string[] = [];
  for (const name of candidates) if (await exists(ns, name)) present.push(name);
  return present;
};
const listConfigMaps = async (ns: string) => (await h.kube.list('v1', 'ConfigMap', { namespace: ns })).map((o) => o.metadata.name).filter((n) => n !== 'kube-root-ca.crt').sort();

describe('inventories belong to one source', () => {
  it('two flag-mode deploys of different repositories with default names never prune each other', async () => {
    const ns = uniqueName('own-default');
    await ensureNamespace(h, ns);
    const team1 = await createSource(h, `${ns}-team1`, { 'app/a1.yaml': configMap('a1', { v: '1' }), 'app/a2.yaml': configMap('a2', { v: '1' }) });
    const team2 = await createSource(h, `${ns}-team2`, { 'app/b1.yaml': configMap('b1', { v: '1' }) });
    const flags = (url: string) => ['sync', '--once', '--url', url, '--path', 'app', '--namespace', ns, '--state-namespace', ns];

    expect((await agent(flags(team1.url))).code).toBe(0);
    const second = await agent(flags(team2.url));
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('0 pruned');
    expect(await names(ns, 'a1', 'a2', 'b1')).toEqual(['a1', 'a2', 'b1']);

    // Each still prunes its own: team 1 removes a2; team 2 runs again and removes nothing of team 1.
    await team1.commit({ 'app/a1.yaml': configMap('a1', { v: '1' }) });
    expect((await agent(flags(team1.url))).code).toBe(0);
    expect((await agent(flags(team2.url))).code).toBe(0);
    expect(await names(ns, 'a1', 'a2', 'b1')).toEqual(['a1', 'b1']);
    // Two inventories, named after each source (default names cli-<hash>), recording it.
    const inventories = (await h.kube.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'ferry.dev/inventory-of' }));
    expect(inventories.map((o) => o.metadata.name).sort()).toEqual([expect.stringMatching(/^ferry-flags-inventory-cli-[0-9a-f]{12}$/), expect.stringMatching(/^ferry-flags-inventory-cli-[0-9a-f]{12}$/)]);
    expect(inventories.map((o) => o.metadata.annotations?.['ferry.dev/source-url']).sort()).toEqual([team1.url, team2.url].map((u) => u.replace(/\.git$/, '')).sort());
  });

  it('another source under the same explicit --name is refused before any write and prunes nothing; --adopt-inventory moves it on purpose', async () => {
    const ns = uniqueName('own-named');
    await ensureNamespace(h, ns);
    const team1 = await createSource(h, `${ns}-team1`, { 'app/a1.yaml': configMap('a1', { v: '1' }) });
    const team2 = await createSource(h, `${ns}-team2`, { 'app/b1.yaml': configMap('b1', { v: '1' }), 'app/a1.yaml': configMap('a1', { v: 'team2' }) });
    const flags = (url: string) => ['sync', '--once', '--url', url, '--path', 'app', '--namespace', ns, '--state-namespace', ns, '--name', 'shared'];
    expect((await agent(flags(team1.url))).code).toBe(0);
    const inventoryBefore = await getConfigMap(h, ns, 'ferry-flags-inventory-shared');

    const refused = await agent(flags(team2.url));
    expect(refused.code, refused.output).toBe(3);
    expect(refused.output).toContain(`inventory ConfigMap ${ns}/ferry-flags-inventory-shared belongs to another source`);
    expect(refused.output).toContain(team1.url.replace(/\.git$/, ''));
    expect(refused.output).toContain(team2.url.replace(/\.git$/, ''));
    expect(refused.output).toContain('InventoryConflict');
    const id = /--adopt-inventory ([0-9a-f]{12})/.exec(refused.output)?.[1];
    expect(id, refused.output).toBeDefined();
    // Nothing written: team 1's object unchanged, team 2's not created, the inventory untouched.
    expect(await listConfigMaps(ns)).toEqual(['a1', 'ferry-flags-inventory-shared']);
    expect((await getConfigMap(h, ns, 'a1'))?.data).toEqual({ v: '1' });
    expect((await getConfigMap(h, ns, 'ferry-flags-inventory-shared'))?.metadata.resourceVersion).toBe(inventoryBefore?.metadata.resourceVersion);
    // diff tells the same story and changes nothing.
    const diff = await agent(['diff', ...flags(team2.url).slice(2)]);
    expect(diff.code, diff.output).toBe(3);
    expect(diff.output).toContain('belongs to another source');

    // On purpose: the inventory (and what it lists) moves to team 2's source.
    const adopted = await agent([...flags(team2.url), '--adopt-inventory', id as string]);
    expect(adopted.code, adopted.output).toBe(0);
    expect((await getConfigMap(h, ns, 'a1'))?.data).toEqual({ v: 'team2' });
    expect(await exists(ns, 'b1')).toBe(true);
    // And team 1 is now the other source.
    expect((await agent(flags(team1.url))).code).toBe(3);
    expect(await names(ns, 'a1', 'b1')).toEqual(['a1', 'b1']);
  });

  it('a Sync object and a flag-mode run with the same name and namespace have separate inventories and never prune each other', async () => {
    const ns = uniqueName('own-kind');
    await ensureNamespace(h, ns);
    const cli = await createSource(h, `${ns}-cli`, { 'app/from-flags.yaml': configMap('from-flags', { v: '1' }) });
    const repo = await createSource(h, `${ns}-sync`, { 'app/from-sync.yaml': configMap('from-sync', { v: '1' }) });
    const flags = ['sync', '--once', '--url', cli.url, '--path', 'app', '--namespace', ns, '--state-namespace', ns, '--name', 'cli'];
    expect((await agent(flags)).code).toBe(0);
    await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'cli', namespace: ns }, spec: { url: repo.url, path: 'app' } }),
    });
    const sync = await agent(['sync', '--once', '--sync', `${ns}/cli`]);
    expect(sync.code, sync.output).toBe(0);
    expect(sync.output).toContain('0 pruned');
    expect((await agent(flags)).code).toBe(0);
    expect(await names(ns, 'from-flags', 'from-sync')).toEqual(['from-flags', 'from-sync']);

    // Owner labels say which kind of owner: a Sync's objects carry no kind label.
    expect((await getConfigMap(h, ns, 'from-flags'))?.metadata.labels).toMatchObject({ 'ferry.dev/sync-name': 'cli', 'ferry.dev/sync-namespace': ns, 'ferry.dev/owner-kind': 'flags' });
    expect((await getConfigMap(h, ns, 'from-sync'))?.metadata.labels?.['ferry.dev/owner-kind']).toBeUndefined();
    expect(((await getConfigMap(h, ns, 'ferry-inventory-cli'))?.data as Record<string, string> | undefined)?.['inventory']).toBe(`v1 ConfigMap ${ns} from-sync`);
    expect(((await getConfigMap(h, ns, 'ferry-flags-inventory-cli'))?.data as Record<string, string> | undefined)?.['inventory']).toBe(`v1 ConfigMap ${ns} from-flags`);

    // Each prunes its own when its source drops it.
    await repo.commit({ 'app/other.yaml': configMap('other', { v: '1' }) });
    expect((await agent(['sync', '--once', '--sync', `${ns}/cli`])).code).toBe(0);
    expect(await names(ns, 'from-flags', 'from-sync', 'other')).toEqual(['from-flags', 'other']);
  });

  it('a Sync recreated with the same name for another repository is Stalled (InventoryConflict) before any write; the annotation moves the inventory on purpose', async () => {
    const ns = uniqueName('own-sync');
    await ensureNamespace(h, ns);
    const team1 = await createSource(h, `${ns}-team1`, { 'app/a1.yaml': configMap('a1', { v: '1' }) });
    const team2 = await createSource(h, `${ns}-team2`, { 'app/b1.yaml': configMap('b1', { v: '1' }) });
    const createSync = (url: string) => kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'web', namespace: ns }, spec: { url, path: 'app' } }),
    });
    await createSync(team1.url);
    expect((await agent(['sync', '--once', '--sync', `${ns}/web`])).code).toBe(0);
    // Team 1 deletes its Sync (the inventory stays, as do its objects); team 2 takes the name.
    await kubectl(kubeconfig, ['delete', 'sync', 'web', '-n', ns]);
    await createSync(team2.url);
    const refused = await agent(['sync', '--once', '--sync', `${ns}/web`]);
    expect(refused.code, refused.output).toBe(3);
    expect(refused.output).toContain(`inventory ConfigMap ${ns}/ferry-inventory-web belongs to another source`);
    const id = /ferry\.dev\/adopt-inventory=([0-9a-f]{12})/.exec(refused.output)?.[1];
    expect(id, refused.output).toBeDefined();
    const status = JSON.parse(await kubectl(kubeconfig, ['get', 'sync', 'web', '-n', ns, '-o', 'json'])).status as { conditions: Array<{ type: string; status: string; reason: string }> };
    expect(status.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'InventoryConflict' });
    expect(await names(ns, 'a1', 'b1')).toEqual(['a1']);

    await kubectl(kubeconfig, ['annotate', 'sync', 'web', '-n', ns, `ferry.dev/adopt-inventory=${id as string}`]);
    const adopted = await agent(['sync', '--once', '--sync', `${ns}/web`]);
    expect(adopted.code, adopted.output).toBe(0);
    expect(await names(ns, 'a1', 'b1')).toEqual(['b1']);
  });

  it.each([
    ['the repository does not create it', false],
    ['even one the repository itself would create', true],
  ])('a missing state namespace (%s) stops the run before the first write: nothing created, a clear error, exit 3', async (_case, createsIt) => {
    const ns = uniqueName('own-target');
    const missing = uniqueName('own-missing');
    await ensureNamespace(h, ns);
    const namespaceFile: Record<string, string> = createsIt ? { 'app/ns.yaml': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: missing } }) } : {};
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }), ...namespaceFile });
    const flags = ['sync', '--once', '--url', src.url, '--path', 'app', '--namespace', ns, '--state-namespace', missing];
    const result = await agent(flags);
    expect(result.code, result.output).toBe(3);
    expect(result.output).toContain(`the state namespace ${missing} does not exist`);
    expect(result.output).toContain(`kubectl create namespace ${missing}`);
    expect(await listConfigMaps(ns)).toEqual([]);
    expect(await h.kube.get({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: missing })).toBeUndefined();

    // Once it exists, the same run applies and records everything; a later removal prunes.
    await ensureNamespace(h, missing);
    const second = await agent(flags);
    expect(second.code, second.output).toBe(0);
    expect(await listConfigMaps(ns)).toEqual(['a']);
    await src.commit({ 'app/b.yaml': configMap('b', { v: '1' }), ...namespaceFile });
    expect((await agent(flags)).code).toBe(0);
    expect(await listConfigMaps(ns)).toEqual(['b']);
  });

  it('after an upgrade, objects an older agent applied in flag mode (no kind label) are not taken silently by the new default name', async () => {
    const ns = uniqueName('own-upgrade');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '2' }) });
    // What an older agent left: the object with owner labels of name `cli`, and its inventory.
    await h.kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: ns, labels: { 'ferry.dev/sync-name': 'cli', 'ferry.dev/sync-namespace': ns } }, data: { v: '1' } });
    await h.kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ferry-inventory-cli', namespace: ns, labels: { 'ferry.dev/inventory-of': 'cli' } }, data: { inventory: `v1 ConfigMap ${ns} a` } });
    const result = await agent(['sync', '--once', '--url', src.url, '--path', 'app', '--namespace', ns, '--state-namespace', ns]);
    expect(result.code, result.output).toBe(3);
    expect(result.output).toContain(`ConfigMap ${ns}/a belongs to Sync ${ns}/cli`);
    expect(result.output).toContain('ferry.dev/owner-kind=flags');
    expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '1' });
  });

  it.each([
    ['upper case', 'Team1'],
    ['a slash', 'team/1'],
    ['64 characters', 'a'.repeat(64)],
    ['an underscore', 'team_1'],
  ])('--name with %s exits 2 at parse time, before touching the cluster', async (_case, name) => {
    const ns = uniqueName('own-badname');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }) });
    const result = await agent(['sync', '--once', '--url', src.url, '--path', 'app', '--namespace', ns, '--state-namespace', ns, '--name', name]);
    expect(result.code, result.output).toBe(2);
    expect(result.output).toContain(`--name ${JSON.stringify(name)}: not a valid name`);
    expect(await listConfigMaps(ns)).toEqual([]);
  });
});
