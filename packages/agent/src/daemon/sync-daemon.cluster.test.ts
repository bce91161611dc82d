import { kubectl, kubectlPath } from '@ferry/testenv';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../plan/kube-object.js';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, useDaemonCluster, eventually, getSync, readyRevision, startTestAgent } from './test/daemon-harness.js';
import { killableKube } from './test/killable.js';

// `ferry-agent run`'s daemon in-process, against the run's real kube-apiserver and a real git
// http-backend. No kubelet: Deployments are kept at 0 replicas so they can become available.
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const deployment = (name: string) => JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
}) + '\n';

const dataOf = (object: KubeObject | undefined) => (object?.data ?? {}) as Record<string, string | undefined>;

/** The real `kubectl edit`, with a scripted editor. */
async function kubectlEdit(args: string[], editor: string): Promise<void> {
  await promisify(execFile)(kubectlPath(), [`--kubeconfig=${kubeconfig}`, 'edit', ...args], { env: { ...process.env, KUBE_EDITOR: editor }, timeout: 30_000 });
}

describe('ferry-agent run (daemon)', () => {
  it('applies a new commit without restart and corrects kubectl edit and kubectl scale within one interval', async () => {
    const ns = uniqueName('daemon');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }), 'app/web.yaml': deployment('web') });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '2s', timeout: '10s' });
    const agent = await startTestAgent(h, kubeconfig, ns, { metricsAddress: { host: '127.0.0.1', port: 0 } });
    try {
      expect(await eventually('first revision applied', 20_000, async () => readyRevision(await getSync(h, ns, 'app')))).toBe(src.first);
      expect((await fetch(`${agent.metricsUrl}/readyz`)).status).toBe(200);

      // A new commit: applied by the running agent at its next interval.
      const second = await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }), 'app/web.yaml': deployment('web') });
      await eventually('second revision applied', 15_000, async () => dataOf(await getConfigMap(h, ns, 'a'))['v'] === '2' && readyRevision(await getSync(h, ns, 'app')) === second);

      // Drift: a key added with the real `kubectl edit` (field manager kubectl-edit), and a scale.
      await kubectlEdit(['configmap', 'a', '-n', ns], `sed -i 's/^data:$/data:\\n  extra: added-by-hand/'`);
      expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '2', extra: 'added-by-hand' });
      await kubectl(kubeconfig, ['scale', 'deployment/web', '-n', ns, '--replicas=3']);
      const drifted = Date.now();
      await eventually('drift corrected', 10_000, async () => {
        const a = await getConfigMap(h, ns, 'a');
        const web = await h.kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
        return dataOf(a)['extra'] === undefined && (web?.spec as { replicas?: number })?.replicas === 0;
      });
      // Within one interval (2 s + 10 % jitter) plus one reconcile; generous for a loaded CI machine.
      expect(Date.now() - drifted).toBeLessThan(8_000);
      // Logged (sync and revision on the line), counted, then recorded in status, in that order.
      const correction = await eventually('drift recorded in status', 5_000, async () => ((await getSync(h, ns, 'app'))?.status as { lastDriftCorrection?: { objects: string[]; revision: string } }).lastDriftCorrection);
      expect(correction.revision).toBe(second);
      expect(correction.objects.length).toBeGreaterThan(0);
      const driftLines = () => agent.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => Array.isArray(l['drifted']));
      const names = await eventually('both corrections logged', 5_000, async () => {
        const all = driftLines().flatMap((l) => l['drifted'] as string[]).join(' ');
        return /ConfigMap .*a/.test(all) && /Deployment .*web/.test(all) && all;
      });
      expect(names).toBeTruthy();
      expect(driftLines().every((l) => l['sync'] === `${ns}/app` && l['revision'] === second)).toBe(true);

      const metrics = await (await fetch(`${agent.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`ferry_agent_drift_corrections_total\\{namespace="${ns}",name="app"\\} [1-9]`));
      expect(metrics).toMatch(/ferry_agent_reconcile_duration_seconds_count\{[^}]*\} [1-9]/);
      expect(metrics).toMatch(/ferry_agent_git_fetch_duration_seconds_count\{operation="ls-remote"\} [1-9]/);
      expect(metrics).toMatch(/ferry_agent_applied_objects_total\{[^}]*action="configure"\} [1-9]/);

      const events = JSON.parse(await kubectl(kubeconfig, ['get', 'events', '-n', ns, '-o', 'json'])) as { items: Array<{ reason: string; involvedObject: { name: string } }> };
      expect(events.items.map((e) => e.reason)).toContain('DriftCorrected');
      // Events only when something changed: quiet intervals add none.
      const count = events.items.length;
      const reconciles = () => agent.metrics.reconciles.get({ namespace: ns, name: 'app', outcome: 'Applied' });
      const seen = reconciles();
      await eventually('two quiet intervals', 15_000, async () => reconciles() >= seen + 2);
      const after = JSON.parse(await kubectl(kubeconfig, ['get', 'events', '-n', ns, '-o', 'json'])) as { items: unknown[] };
      expect(after.items.length).toBe(count);
    } finally {
      await agent.stop(5_000);
    }
  });

  it('SIGTERM mid-apply: with grace the apply finishes; abandoned, the next start finishes it', async () => {
    const ns = uniqueName('term');
    await ensureNamespace(h, ns);
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`app/c${i}.yaml`, configMap(`c${i}`, { v: '1' })]));
    const src = await createSource(h, ns, files);
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1h' });

    // Graceful: the held apply is released during the grace period and the reconcile completes.
    let gated!: ReturnType<typeof killableKube>;
    const first = await startTestAgent(h, kubeconfig, ns, {}, { kube: (real) => (gated = killableKube(real, 'c3')) });
    await gated.held;
    const stopping = first.stop(20_000);
    gated.release();
    expect((await stopping).abandoned).toEqual([]);
    expect(readyRevision(await getSync(h, ns, 'app'))).toBe(src.first);

    // Abandoned: the process dies while an apply is held (nothing more reaches the API server).
    const second = await src.commit({ ...files, 'app/c3.yaml': configMap('c3', { v: '2' }), 'app/c6.yaml': configMap('c6', { v: '2' }) });
    let doomed!: ReturnType<typeof killableKube>;
    const dying = await startTestAgent(h, kubeconfig, ns, {}, { kube: (real) => (doomed = killableKube(real, 'c3')) });
    await doomed.held;
    const result = await dying.stop(100);
    doomed.kill();
    expect(result.abandoned).toEqual([`${ns}/app`]);
    expect(readyRevision(await getSync(h, ns, 'app'))).toBe(src.first);

    const restarted = await startTestAgent(h, kubeconfig, ns);
    try {
      await eventually('restart converges', 20_000, async () => readyRevision(await getSync(h, ns, 'app')) === second);
      expect((await getConfigMap(h, ns, 'c3'))?.data).toEqual({ v: '2' });
      expect((await getConfigMap(h, ns, 'c6'))?.data).toEqual({ v: '2' });
      const inventory = await getConfigMap(h, ns, 'ferry-inventory-app');
      expect(dataOf(inventory)['inventory']?.split('\n').filter(Boolean)).toHaveLength(7);
    } finally {
      await restarted.stop(5_000);
    }
  });
});
