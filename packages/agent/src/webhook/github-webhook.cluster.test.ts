import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, TEST_WEBHOOK_SECRET } from '@ferry/testenv';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, startDaemonCluster, eventually, getSync, readyRevision, startTestAgent } from '../daemon/test/daemon-harness.js';

// The webhook endpoint of a running agent (real HTTP), the real kube-apiserver and git server.
let h: AgentHarness;
let kubeconfig: string;
beforeAll(async () => {
  ({ h, kubeconfig } = await startDaemonCluster());
});
afterAll(async () => {
  await h?.close();
});

const secret = TEST_WEBHOOK_SECRET;

describe('GitHub push webhook', () => {
  it('a signed push syncs at once; forged and replayed deliveries are refused', async () => {
    const ns = uniqueName('hook');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }) });
    // An hour-long interval: only the webhook can explain a quick apply.
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1h' });
    await createSync(kubeconfig, ns, 'other-branch', { url: src.url, ref: { branch: 'prod' }, path: 'app', interval: '1h', suspend: true });
    const agent = await startTestAgent(h, kubeconfig, ns, { webhookAddress: { host: '127.0.0.1', port: 0 }, webhookSecret: secret });
    try {
      await eventually('first apply', 15_000, async () => readyRevision(await getSync(h, ns, 'app')) === src.first);
      const second = await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }) });
      const body = JSON.stringify({ ref: 'refs/heads/main', after: second, repository: { clone_url: `${src.url}.git`, html_url: src.url } });
      const post = (delivery: string, signature: string) => fetch(`${agent.webhookUrl}/hook/github`, {
        method: 'POST', body,
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': signature },
      });
      const sign = (key: string) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

      const forged = await post('delivery-1', sign('a-guessed-secret'));
      expect(forged.status).toBe(401);
      const annotations = async () => (await getSync(h, ns, 'app'))?.metadata.annotations ?? {};
      expect(await annotations()).not.toHaveProperty(['ferry.dev/reconcile-requested-at']);

      const accepted = await post('delivery-1', sign(secret));
      expect(accepted.status).toBe(202);
      expect(await accepted.json()).toEqual({ syncs: [`${ns}/app`] });
      await eventually('pushed commit applied', 10_000, async () => readyRevision(await getSync(h, ns, 'app')) === second);
      expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '2' });
      const token = (await annotations())['ferry.dev/reconcile-requested-at'];
      expect(token).toContain('delivery-1');

      const replayed = await post('delivery-1', sign(secret));
      expect(replayed.status).toBe(409);
      // The delivery id is not signed: the same body under a fresh id is the same replay.
      const freshId = await post('delivery-2', sign(secret));
      expect(freshId.status).toBe(409);
      expect((await annotations())['ferry.dev/reconcile-requested-at']).toBe(token);
      const metrics = agent.metrics.webhooks;
      expect([metrics.get({ result: 'forged' }), metrics.get({ result: 'accepted' }), metrics.get({ result: 'replayed' })]).toEqual([1, 1, 2]);
    } finally {
      await agent.stop(5_000);
    }
    // The agent's debug log of all three deliveries and the Sync's status name no secret.
    expect(agent.logs.length).toBeGreaterThan(0);
    expectNoSecrets(agent.logs.join('\n'), 'agent log (debug)');
    expectNoSecrets((await getSync(h, ns, 'app'))?.status, 'Sync status');
  });
});
