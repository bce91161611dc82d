import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectNoSecrets, TEST_WEBHOOK_SECRET } from '@ferry/testenv';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, useDaemonCluster, eventually, getSync, readyRevision, startTestAgent } from '../daemon/test/daemon-harness.js';
import { defaultLeaderElection } from '../daemon/leader-election.js';
import { replayKey } from './github-webhook.js';
import { ReplayRecordLabel, SharedReplayGuard } from './shared-replay-guard.js';

// The webhook endpoint of a running agent (real HTTP), the real kube-apiserver and git server.
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

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

  it('two replicas: a delivery accepted by one is refused as replayed by the other (a Lease per delivery in the agent\'s namespace)', async () => {
    const ns = uniqueName('hook2');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }) });
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1h' });
    const leaderElection = { namespace: ns, name: 'ferry-agent', ...defaultLeaderElection };
    const config = { webhookAddress: { host: '127.0.0.1', port: 0 }, webhookSecret: secret, leaderElection };
    const a = await startTestAgent(h, kubeconfig, ns, config);
    const b = await startTestAgent(h, kubeconfig, ns, config);
    try {
      await eventually('first apply', 15_000, async () => readyRevision(await getSync(h, ns, 'app')) === src.first);
      const post = (agent: typeof a, body: string, delivery: string) => fetch(`${agent.webhookUrl}/hook/github`, {
        method: 'POST', body,
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
      });
      const pushBody = (after: string) => JSON.stringify({ ref: 'refs/heads/main', after, repository: { clone_url: `${src.url}.git`, html_url: src.url } });
      const second = await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }) });
      const body = pushBody(second);
      expect((await post(a, body, 'd-1')).status).toBe(202);
      // The same signed body to the other replica (its own memory never saw it): refused.
      const replayed = await post(b, body, 'd-2');
      expect(replayed.status).toBe(409);
      expect(await replayed.text()).toBe('this signed delivery was already received\n');
      // A new delivery reaches either replica once.
      const third = await src.commit({ 'app/a.yaml': configMap('a', { v: '3' }) });
      expect((await post(b, pushBody(third), 'd-3')).status).toBe(202);
      expect((await post(a, pushBody(third), 'd-4')).status).toBe(409);
      expect([a.metrics.webhooks.get({ result: 'accepted' }), a.metrics.webhooks.get({ result: 'replayed' })]).toEqual([1, 1]);
      expect([b.metrics.webhooks.get({ result: 'accepted' }), b.metrics.webhooks.get({ result: 'replayed' })]).toEqual([1, 1]);
      // The records: one Lease per accepted delivery, named by its key, labelled, in the agent's namespace.
      const records = (await h.kube.list('coordination.k8s.io/v1', 'Lease', { namespace: ns, labelSelector: `${ReplayRecordLabel}=true` })).map((l) => l.metadata.name).sort();
      expect(records).toEqual([SharedReplayGuard.recordName(replayKey(Buffer.from(body))), SharedReplayGuard.recordName(replayKey(Buffer.from(pushBody(third))))].sort());
    } finally {
      await Promise.all([a.stop(5_000), b.stop(5_000)]);
    }
  });

  it('records expire after 24 h by the server\'s creationTimestamp: a later replica accepts again, and the sweep deletes expired records', async () => {
    const ns = uniqueName('hook3');
    await ensureNamespace(h, ns);
    let offsetMs = 0;
    const guard = (sweepEveryMs = 3_600_000) => new SharedReplayGuard({ kube: h.kube, namespace: ns, identity: 'test', sweepEveryMs, now: () => Date.now() + offsetMs });
    expect(await guard().accept('a'.repeat(64))).toBe(true);
    expect(await guard().accept('b'.repeat(64))).toBe(true);
    expect(await guard().accept('a'.repeat(64))).toBe(false);
    offsetMs = 24 * 3_600_000 + 60_000;
    // A fresh replica a day later: the record of 'a' is expired, so 'a' is accepted (a new record).
    const later = guard();
    expect(await later.accept('a'.repeat(64))).toBe(true);
    // Its first delivery swept the expired record of 'b'.
    const names = async () => (await h.kube.list('coordination.k8s.io/v1', 'Lease', { namespace: ns, labelSelector: `${ReplayRecordLabel}=true` })).map((l) => l.metadata.name);
    expect(await names()).toEqual([SharedReplayGuard.recordName('a'.repeat(64))]);
  });
});
