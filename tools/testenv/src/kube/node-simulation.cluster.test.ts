// The optional node simulation: with kwok and kube-scheduler, a Deployment's pods are scheduled onto
// a simulated node and become Ready, so rollout and health checks can be tested end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './control-plane.js';

describe('startControlPlane({ nodeSimulation: true })', () => {
  let controlPlane: ControlPlane;
  beforeAll(async () => {
    controlPlane = await startControlPlane({ nodeSimulation: true });
  });
  afterAll(() => controlPlane?.stop());

  it('schedules a Deployment onto the simulated node and its rollout completes', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0.0' }] } },
      },
    };
    await controlPlane.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(deployment) });
    // kubectl's own bounded wait on the Deployment's status: the real readiness signal.
    const out = await controlPlane.kubectl(['rollout', 'status', 'deployment/web', '-n', 'default', '--timeout=60s']);
    expect(out).toContain('successfully rolled out');
    const pods = JSON.parse(await controlPlane.kubectl(['get', 'pods', '-n', 'default', '-l', 'app=web', '-o', 'json'])) as {
      items: { spec: { nodeName?: string }; status: { phase: string; conditions?: { type: string; status: string }[] } }[];
    };
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.spec.nodeName).toBe('kwok-node-0');
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
    }
  }, 120_000);
});
