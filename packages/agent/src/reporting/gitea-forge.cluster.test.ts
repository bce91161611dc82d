// The agent against a REAL Gitea (tools/testenv startGitea: the binary built from its Go module, on
// loopback): a Sync follows a repository hosted on Gitea, the agent posts its commit statuses through
// Gitea's API (which then lists them), and Gitea's own webhook delivery, signed by Gitea, makes the
// agent sync a pushed commit at once.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectNoSecrets, startGitea, TEST_WEBHOOK_SECRET, type TestGitea } from '@ferry/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSync, eventually, getSync, readyRevision, startDaemonCluster, startTestAgent } from '../daemon/test/daemon-harness.js';
import { configMap, ensureNamespace, getConfigMap, uniqueName, type AgentHarness } from '../test/agent-harness.js';
import { CommitStatusReporter } from './commit-status-reporter.js';
import { createGiteaStatusPort } from './gitea-status-port.js';

let h: AgentHarness;
let kubeconfig: string;
let gitea: TestGitea;
beforeAll(async () => {
  ({ h, kubeconfig } = await startDaemonCluster());
  gitea = await startGitea();
}, 120_000);
afterAll(async () => {
  await gitea?.close();
  await h?.close();
});

// Gitea lists a status's state as `status` (its combined status has `state`).
interface GiteaStatus { id: number; context: string; status: string; description: string; target_url: string; creator?: { login: string } }

describe('the agent with a real Gitea', () => {
  // Gitea queues pushes and looks up a repository's hooks only when it handles one, so the seed
  // commit's push may or may not reach the hook created later. A relay between Gitea and the agent
  // records each delivery's `after`, and the test counts the one for the pushed commit.
  it('reconciles a Gitea repository, posts statuses Gitea lists, and syncs at once on a Gitea push webhook', async () => {
    const ns = uniqueName('gitea');
    await ensureNamespace(h, ns);
    const repo = await gitea.createRepo(ns, { files: { 'app/a.yaml': configMap('a', { v: '1' }) } });
    const repoPath = `/repos/${repo.owner}/${repo.name}`;
    const head = async () => (await gitea.api<{ commit: { id: string } }>('GET', `${repoPath}/branches/main`)).commit.id;
    const statuses = async (sha: string) => gitea.api<GiteaStatus[]>('GET', `${repoPath}/commits/${sha}/statuses`);
    // The status token is a plain user's, with write access to this repository only.
    const reporterUser = await gitea.createUser(`status-${Date.now().toString(36)}`);
    await gitea.api('PUT', `${repoPath}/collaborators/${reporterUser.username}`, { permission: 'write' });

    // An hour-long interval: after the first apply, only the webhook can explain a quick sync.
    await createSync(kubeconfig, ns, 'app', { url: repo.cloneUrl, path: 'app', interval: '1h' });
    const postErrors: string[] = [];
    const reporter = new CommitStatusReporter({
      port: createGiteaStatusPort({ apiUrl: gitea.url, token: reporterUser.token }),
      cluster: 'c1', targetUrl: 'https://dash.example/c1',
      onError: (error) => postErrors.push(error.describe()),
    });
    const agent = await startTestAgent(h, kubeconfig, ns, { webhookAddress: { host: '127.0.0.1', port: 0 }, webhookSecret: TEST_WEBHOOK_SECRET, reporter });
    const context = `ferry/c1/${ns}/app`;
    let relay: DeliveryRelay | undefined;
    try {
      const first = await head();
      await eventually('first apply', 20_000, async () => readyRevision(await getSync(h, ns, 'app')) === first);
      await eventually('success on the first commit, listed by Gitea', 10_000, async () => (await statuses(first)).some((s) => s.context === context && s.status === 'success'));
      // In the order posted (by id; statuses of the same second come in either order): pending
      // "applying", then success, both posted as the status user.
      const listed = (await statuses(first)).filter((s) => s.context === context).sort((a, b) => a.id - b.id);
      expect(listed.map((s) => s.status)).toEqual(['pending', 'success']);
      expect(listed[0]!.description).toBe(`applying ${first.slice(0, 12)}`);
      expect(listed[1]!.description).toMatch(/^applied and healthy: /);
      expect(listed.map((s) => s.target_url)).toEqual(['https://dash.example/c1', 'https://dash.example/c1']);
      expect(listed.map((s) => s.creator?.login)).toEqual([reporterUser.username, reporterUser.username]);
      const combined = await gitea.api<{ state: string }>('GET', `${repoPath}/commits/${first}/status`);
      expect(combined.state).toBe('success');

      // A Gitea webhook on the repository, signed by Gitea with the agent's secret, through the
      // relay. (Wrong, missing and GitHub-form signatures are refused in
      // webhook/gitea-webhook.cluster.test.ts.)
      relay = await startDeliveryRelay(`${agent.webhookUrl}/hook/gitea`);
      await gitea.api('POST', `${repoPath}/hooks`, {
        type: 'gitea', active: true, events: ['push'],
        config: { url: relay.url, content_type: 'json', secret: TEST_WEBHOOK_SECRET },
      });

      // A commit through Gitea's API: Gitea delivers the push.
      const file = await gitea.api<{ sha: string }>('GET', `${repoPath}/contents/app/a.yaml?ref=main`);
      await gitea.api('PUT', `${repoPath}/contents/app/a.yaml`, {
        branch: 'main', message: 'v2', sha: file.sha, content: Buffer.from(configMap('a', { v: '2' })).toString('base64'),
      });
      const second = await head();
      expect(second).not.toBe(first);
      await eventually('pushed commit applied after the webhook', 30_000, async () => readyRevision(await getSync(h, ns, 'app')) === second).catch((error: Error) => {
        throw new Error(`${error.message}; webhook results ${JSON.stringify(['accepted', 'forged', 'replayed', 'invalid', 'ignored'].map((result) => agent.metrics.webhooks.get({ result })))}; gitea log:\n${gitea.logTail(30)}`);
      });
      expect((await getConfigMap(h, ns, 'a'))?.data).toEqual({ v: '2' });
      // Exactly one delivery of the pushed commit, accepted; any other is the seed commit's push.
      // (The relay records a delivery once the agent has answered it; the counts settle together.)
      const answered = () => relay!.deliveries.filter((d) => d.status === 202).length;
      await eventually('every accepted delivery recorded by the relay', 5_000, async () => relay!.deliveries.some((d) => d.after === second) && agent.metrics.webhooks.get({ result: 'accepted' }) === answered());
      const pushed = relay.deliveries.filter((d) => d.after === second);
      expect(pushed.map((d) => d.status)).toEqual([202]);
      expect(relay.deliveries.filter((d) => d.after !== second).map((d) => d.after)).toEqual(relay.deliveries.filter((d) => d.after !== second).map(() => first));
      const annotation = (await getSync(h, ns, 'app'))?.metadata.annotations?.['ferry.dev/reconcile-requested-at'];
      expect(annotation).toMatch(/ gitea:[0-9a-f-]{36}$/);
      expect(relay.deliveries.map((d) => `gitea:${d.id}`)).toContain(annotation!.split(' ')[1]);
      expect(agent.metrics.webhooks.get({ result: 'forged' })).toBe(0);
      await eventually('success on the pushed commit, listed by Gitea', 10_000, async () => (await statuses(second)).some((s) => s.context === context && s.status === 'success'));
      expect(postErrors).toEqual([]);
    } finally {
      await agent.stop(5_000);
      await relay?.close();
    }
    expectNoSecrets(agent.logs.join('\n'), 'agent log (debug)');
    const logs = agent.logs.join('\n');
    expect(logs).not.toContain(reporterUser.token);
    expect(logs).not.toContain(gitea.admin.token);
  });

  it('a token without write access: the post fails with status.auth, named without the token', async () => {
    const repo = await gitea.createRepo(uniqueName('gitea-ro'), { files: { 'app/a.yaml': configMap('a', { v: '1' }) } });
    const reader = await gitea.createUser(`reader-${Date.now().toString(36)}`);
    const sha = (await gitea.api<{ commit: { id: string } }>('GET', `/repos/${repo.owner}/${repo.name}/branches/main`)).commit.id;
    const port = createGiteaStatusPort({ apiUrl: gitea.apiUrl, token: reader.token });
    const error = await port.postStatus({ repository: { owner: repo.owner, name: repo.name }, sha, state: 'success', context: 'ferry/c1/ns/app', description: 'applied' }).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(error?.code).toBe('status.auth');
    expect(error?.message).toMatch(/HTTP 403 Forbidden/);
    expect(error?.message).not.toContain(reader.token);
    expect(await gitea.api<unknown[]>('GET', `/repos/${repo.owner}/${repo.name}/commits/${sha}/statuses`)).toEqual([]);
  });
});

interface DeliveryRelay {
  url: string;
  /** Each delivery in the order it arrived: Gitea's delivery id, the push's `after`, the agent's answer. */
  deliveries: { id: string; after: string; status: number }[];
  close(): Promise<void>;
}

/** Passes Gitea's deliveries to `target` byte for byte (the signature stays valid) and records them. */
async function startDeliveryRelay(target: string): Promise<DeliveryRelay> {
  const to = new URL(target);
  const deliveries: DeliveryRelay['deliveries'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let after = '';
      try {
        after = String((JSON.parse(body.toString('utf8')) as { after?: unknown }).after ?? '');
      } catch {
        // Not JSON: recorded with no `after`.
      }
      const out = request({ host: to.hostname, port: to.port, path: to.pathname, method: req.method, headers: { ...req.headers, host: to.host } }, (answer) => {
        deliveries.push({ id: String(req.headers['x-gitea-delivery'] ?? ''), after, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', (err) => res.destroy(err));
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
