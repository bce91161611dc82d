// Rows of the "agent" scenario for the long-running agent, which is what the agent is: `ferry-agent
// run` (the real bin, its own process, leader election off, webhook endpoint on) reconciles one Sync
// of N ConfigMaps. Node start-up, module loading and the first fetch are paid once when it starts,
// as in a cluster; what each row measures is one reconcile, started by a signed push webhook (the
// Sync's interval is 1 h, so nothing else starts one):
//   - drift check: the webhook names the unchanged head; the daemon re-checks every object (every
//     reconcile of the daemon is a drift check);
//   - one change: a commit changes one ConfigMap, then the webhook.
// The time runs from the webhook POST until the daemon logs the reconcile's end (its JSON log line
// with durationMs, read from its stdout as it arrives; no polling). Baseline: `kubectl apply
// --server-side` of the same directory into its own namespace, as in the one-shot rows.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubectlPath } from '@ferry/testenv';
import { installSyncCrd, postPushWebhook, startAgentProcess, syncAppliedAt } from '../lib/agent-process.mjs';
import { diffCounts } from '../lib/kube-api.mjs';
import { createNamespace, createWorkTree, deleteNamespace, kubectl, waitFor, writeConfigMaps } from '../lib/cluster-helpers.mjs';
import { timedOk } from '../lib/processes.mjs';

/** `ferry-agent run` in namespace `ns`; resolves once it logged its webhook URL. */
async function startDaemon({ kubeconfig, ns, cacheDir, secretFile, progress }) {
  const listeners = new Set();
  const agent = await startAgentProcess(['--kubeconfig', kubeconfig, '--namespace', ns, '--leader-elect', 'false', '--metrics-addr', 'off',
    '--webhook-addr', '127.0.0.1:0', '--webhook-secret-file', secretFile, '--cache-dir', cacheDir, '--log-level', 'debug'], {
    progress, onEntry: (entry, at) => { for (const listener of listeners) listener(entry, at); },
  });
  return {
    ...agent,
    webhookUrl: agent.started.webhook,
    /** Resolves with { entry, at } for the next log entry that ends a reconcile (it has durationMs). */
    nextReconcile(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no reconcile logged within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (entry, at) => {
          if (typeof entry.durationMs !== 'number') return;
          listeners.delete(listener);
          clearTimeout(timer);
          resolve({ entry, at });
        };
        listeners.add(listener);
      });
    },
  };
}

/** ctx: { git, cp, kube, scratch, runs, n, progress }. Returns report rows for N objects. */
export async function runAgentDaemonRows({ git, cp, kube, scratch, runs, n, progress }) {
  const label = `agent ${n.toLocaleString('en')} objects, daemon`;
  const ns = `bench-daemon-${n}`;
  const kubectlNs = `bench-daemon-kubectl-${n}`;
  progress.step(label, 'installing the Sync CRD, the repository and the Sync');
  await installSyncCrd(cp.kubeconfigPath);
  await createNamespace(kube, cp.kubeconfigPath, ns);
  await createNamespace(kube, cp.kubeconfigPath, kubectlNs);
  const repo = await git.createRepo(`agent-daemon-${n}/config`);
  const work = await createWorkTree(join(scratch, `agent-daemon-work-${n}`), repo.url);
  const objectsDir = join(work.dir, 'objects');
  await writeConfigMaps(objectsDir, n);
  let head = await work.commitAndPush('initial');
  const syncFile = join(scratch, `daemon-sync-${n}.json`);
  await writeFile(syncFile, JSON.stringify({ apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'bench', namespace: ns }, spec: { url: repo.url, path: 'objects', namespace: ns, interval: '1h' } }));
  await kubectl(cp.kubeconfigPath, ['apply', '--server-side', '--field-manager=bench', '-f', syncFile]);
  const secret = randomBytes(24).toString('hex');
  const secretFile = join(scratch, `daemon-secret-${n}`);
  await writeFile(secretFile, secret, { mode: 0o600 });

  progress.step(label, 'starting ferry-agent run; its first sync; kubectl\'s first apply');
  const daemon = await startDaemon({ kubeconfig: cp.kubeconfigPath, ns, cacheDir: join(scratch, `daemon-cache-${n}`), secretFile, progress });
  const m = { drift: [], kubectlReapply: [], change: [], kubectlChange: [] };
  try {
    await waitFor('the daemon\'s first sync', 300_000, () => syncAppliedAt(kube, ns, 'bench', head), 500);
    const kubectlApply = async () => {
      const before = await kube.requestCounts();
      const r = await timedOk(kubectlPath(), ['--kubeconfig', cp.kubeconfigPath, 'apply', '--server-side', '--field-manager=bench-kubectl', '-n', kubectlNs, '-f', objectsDir]);
      return { seconds: r.seconds, writes: diffCounts(await kube.requestCounts(), before).writes };
    };
    await kubectlApply();
    /** One reconcile started by the webhook: seconds from the POST to its log line, and the API server's count of writes meanwhile. */
    const reconcile = async (what) => {
      const before = await kube.requestCounts();
      const done = daemon.nextReconcile(300_000);
      const posted = process.hrtime.bigint();
      await postPushWebhook({ webhookUrl: daemon.webhookUrl, secret, repoUrl: repo.url, after: head, expectSync: `${ns}/bench` });
      const { entry, at } = await done;
      if (!['Applied', 'Unchanged'].includes(entry.outcome)) throw new Error(`${label} ${what}: outcome ${entry.outcome}: ${JSON.stringify(entry).slice(0, 500)}`);
      return { seconds: Number(at - posted) / 1e9, reconcileSeconds: entry.durationMs / 1000, written: entry.written, writes: diffCounts(await kube.requestCounts(), before).writes };
    };
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'drift check: webhook, one reconcile of the daemon; kubectl re-apply', i, runs);
      m.drift.push(await reconcile('drift check'));
      m.kubectlReapply.push(await kubectlApply());
    }
    const versions = new Map();
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'one change: commit, webhook, one reconcile; kubectl apply', i, runs);
      const changed = Math.floor((n * i) / (runs + 1)) + 1;
      versions.set(changed, i + 1);
      await writeConfigMaps(objectsDir, n, (j) => versions.get(j) ?? 1);
      head = await work.commitAndPush(`change cm ${changed}`);
      const r = await reconcile('one change');
      if (r.written !== 1) throw new Error(`${label} one change: the daemon wrote ${r.written} objects, expected 1`);
      m.change.push(r);
      m.kubectlChange.push(await kubectlApply());
    }
    const peak = await daemon.peakMb();
    const f = (list, key) => list.map((x) => x[key]);
    const size = `${n.toLocaleString('en')} objects`;
    const kubectlName = 'kubectl apply --server-side';
    progress.log(`${label}: drift check ${f(m.drift, 'seconds').map((x) => x.toFixed(2)).join(', ')} s (reconcile ${f(m.drift, 'reconcileSeconds').join(', ')} s); one change ${f(m.change, 'seconds').map((x) => x.toFixed(2)).join(', ')} s; writes ${f(m.drift, 'writes')} / ${f(m.change, 'writes')}`);
    return [
      { scenario: 'agent drift check, daemon (one reconcile of ferry-agent run, webhook to logged end)', size, metric: 'wall time', unit: 's', ferry: f(m.drift, 'seconds'), baselineName: `${kubectlName} (re-apply)`, baseline: f(m.kubectlReapply, 'seconds') },
      { scenario: 'agent drift check, daemon', size, metric: 'write requests (all, the Sync status included)', unit: 'count', ferry: f(m.drift, 'writes'), baselineName: `${kubectlName} (re-apply)`, baseline: f(m.kubectlReapply, 'writes') },
      { scenario: 'agent one object changed, daemon (webhook to logged end)', size, metric: 'wall time', unit: 's', ferry: f(m.change, 'seconds'), baselineName: kubectlName, baseline: f(m.kubectlChange, 'seconds') },
      { scenario: 'agent one object changed, daemon', size, metric: 'write requests (all, the Sync status included)', unit: 'count', ferry: f(m.change, 'writes'), baselineName: kubectlName, baseline: f(m.kubectlChange, 'writes') },
      { scenario: 'ferry-agent run (daemon), whole life: first sync, drift checks, changes', size, metric: 'peak RSS', unit: 'MB', ferry: [peak] },
    ];
  } finally {
    await daemon.stop();
    // The daemon is gone, so nobody would remove the Sync's finalizer: drop it, or the namespace never goes.
    await kubectl(cp.kubeconfigPath, ['patch', 'sync', 'bench', '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => {});
    await deleteNamespace(kube, cp.kubeconfigPath, ns).catch((e) => progress.log(`teardown: ${e.message}`));
    await deleteNamespace(kube, cp.kubeconfigPath, kubectlNs).catch((e) => progress.log(`teardown: ${e.message}`));
  }
}
