import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectNoSecrets, TEST_WEBHOOK_SECRET } from '@ferry/testenv';
import { configMap, createSource, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { createSync, useDaemonCluster, eventually, getSync, readyRevision, startTestAgent } from '../daemon/test/daemon-harness.js';

// The /hook/gitea endpoint of a running agent (real HTTP) beside /hook/github, the real
// kube-apiserver and git server; deliveries signed as Gitea signs them (hex HMAC-SHA256, no prefix).
let h: AgentHarness;
let kubeconfig: string;
useDaemonCluster((cluster) => ({ h, kubeconfig } = cluster));

const secret = TEST_WEBHOOK_SECRET;
const hex = (body: string, key: string) => createHmac('sha256', key).update(body).digest('hex');

describe('Gitea push webhook', () => {
  it('a signed push syncs at once; missing, wrong and GitHub-form signatures are refused; a replay on either path is refused', async () => {
    const ns = uniqueName('gitea-hook');
    await ensureNamespace(h, ns);
    const src = await createSource(h, ns, { 'app/a.yaml': configMap('a', { v: '1' }) });
    // An hour-long interval: only the webhook can explain a quick apply.
    await createSync(kubeconfig, ns, 'app', { url: src.url, path: 'app', interval: '1h' });
    const agent = await startTestAgent(h, kubeconfig, ns, { webhookAddress: { host: '127.0.0.1', port: 0 }, webhookSecret: secret });
    try {
      await eventually('first apply', 15_000, async () => readyRevision(await getSync(h, ns, 'app')) === src.first);
      const second = await src.commit({ 'app/a.yaml': configMap('a', { v: '2' }) });
      const body = JSON.stringify({
        ref: 'refs/heads/main', before: src.first, after: second,
        repository: { full_name: 'acme/app', clone_url: `${src.url}.git`, html_url: src.url, ssh_url: 'git@gitea.invalid:acme/app.git' },
      });
      const post = (headers: Record<string, string>, path = '/hook/gitea') => fetch(`${agent.webhookUrl}${path}`, {
        method: 'POST', body, headers: { 'content-type': 'application/json', 'x-gitea-event': 'push', 'x-gitea-delivery': 'g-1', ...headers },
      });
      const annotations = async () => (await getSync(h, ns, 'app'))?.metadata.annotations ?? {};

      expect((await post({})).status).toBe(401);
      expect((await post({ 'x-gitea-signature': hex(body, 'a-guessed-secret') })).status).toBe(401);
      expect((await post({ 'x-gitea-signature': `sha256=${hex(body, secret)}` })).status).toBe(401);
      expect((await post({ 'x-hub-signature-256': `sha256=${hex(body, secret)}` })).status).toBe(401);
      expect(await annotations()).not.toHaveProperty(['ferry.dev/reconcile-requested-at']);

      const accepted = await post({ 'x-gitea-signature': hex(body, secret) });
      expect(accepted.status).toBe(202);
      expect(await accepted.json()).toEqual({ syncs: [`${ns}/app`] });
      await eventually('pushed commit applied', 10_000, async () => readyRevision(await getSync(h, ns, 'app')) === second);
      expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '2' });
      const token = (await annotations())['ferry.dev/reconcile-requested-at'];
      expect(token).toContain('gitea:g-1');

      expect((await post({ 'x-gitea-signature': hex(body, secret), 'x-gitea-delivery': 'g-2' })).status).toBe(409);
      // One replay guard for both paths: the same signed body as a GitHub delivery is the same replay.
      const asGitHub = await fetch(`${agent.webhookUrl}/hook/github`, {
        method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'h-1', 'x-hub-signature-256': `sha256=${hex(body, secret)}` },
      });
      expect(asGitHub.status).toBe(409);
      expect((await annotations())['ferry.dev/reconcile-requested-at']).toBe(token);
      const metrics = agent.metrics.webhooks;
      expect([metrics.get({ result: 'forged' }), metrics.get({ result: 'accepted' }), metrics.get({ result: 'replayed' })]).toEqual([4, 1, 2]);
      expect(agent.logs.some((line) => line.includes('"forge":"gitea"'))).toBe(true);
    } finally {
      await agent.stop(5_000);
    }
    expectNoSecrets(agent.logs.join('\n'), 'agent log (debug)');
  });
});
