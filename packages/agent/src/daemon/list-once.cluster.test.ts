import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureNamespace, startAgentHarness, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { listOnce } from './list-once.js';

// The real KubeClient against the run's kube-apiserver; its RequestStats count what reached the server.
let h: AgentHarness;
beforeAll(async () => {
  h = await startAgentHarness(inject('kubeconfigPath'));
});
afterAll(async () => {
  await h?.close();
});

const cm = (namespace: string, name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { app: 'x' } }, data: { v } });

describe('listOnce', () => {
  it('answers a repeated LIST once from the first; a write, another selector or a third LIST goes to the server', async () => {
    const ns = uniqueName('listonce');
    await ensureNamespace(h, ns);
    await h.kube.apply(cm(ns, 'a', '1'));
    const kube = listOnce(h.kube);
    const list = async (labelSelector = 'app=x') => (await kube.list('v1', 'ConfigMap', { namespace: ns, labelSelector })).map((o) => `${o.metadata.name}=${(o.data as { v: string }).v}`);
    const reads = () => h.kube.stats.reads;

    let before = reads();
    expect(await list()).toEqual(['a=1']);
    expect(await list()).toEqual(['a=1']);
    expect(reads() - before).toBe(1);
    // Handed out a second time once: the third asks the server.
    expect(await list()).toEqual(['a=1']);
    expect(reads() - before).toBe(2);

    // A write through it forgets what it kept.
    await kube.apply(cm(ns, 'b', '1'));
    expect(await list()).toEqual(['a=1', 'b=1']);
    await kube.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' }, { data: { v: '2' } });
    before = reads();
    expect(await list()).toEqual(['a=2', 'b=1']);
    expect(reads() - before).toBe(1);
    // A dry run writes nothing: the kept answer stands. Another selector is another LIST.
    await kube.apply(cm(ns, 'a', '3'), { dryRun: true });
    expect(await list()).toEqual(['a=2', 'b=1']);
    expect(await list('app in (x)')).toEqual(['a=2', 'b=1']);
    expect(reads() - before).toBe(2);
    await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'b' });
    expect(await list()).toEqual(['a=2']);
  });
});
