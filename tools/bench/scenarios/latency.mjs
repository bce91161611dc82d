// Scenario "latency": commit-to-applied time of the long-running agent (`ferry-agent run`, the real
// bin in its own process, webhook endpoint on), from the moment `git push` to the served repository
// returns until the API server's watch shows the changed ConfigMap:
//   - webhook: right after the push, a signed GitHub push webhook is POSTed to the agent;
//   - polling: no webhook; the Sync's spec.interval decides. Before each push the bench waits a
//     part of the interval (pollPhaseWaitMs), so the pushes land across the agent's polling cycle.
// Baseline: a push-style CI step, `kubectl apply --server-side` of the same directory right after
// the push (its wall time is its commit-to-applied time).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubectlPath } from '@ferry/testenv';
import { installSyncCrd, postPushWebhook, startAgentProcess, syncAppliedAt } from '../lib/agent-process.mjs';
import { configMapYaml, createNamespace, createWorkTree, kubectl, waitFor } from '../lib/cluster-helpers.mjs';
import { pollPhaseWaitMs } from '../src/poll-phase.mjs';
import { timedOk } from '../lib/processes.mjs';

const ns = 'bench-latency';
const objectsPerRepo = 20;

async function writeObjects(dir, prefix, version) {
  for (let i = 0; i < objectsPerRepo; i++) {
    const name = i === 0 ? `${prefix}-lat` : `${prefix}-${String(i).padStart(2, '0')}`;
    await writeFile(join(dir, `${name}.yaml`), configMapYaml(name, { version: i === 0 ? version : 1 }));
  }
}

/** ctx: { git, cp, kube, scratch, runs, pollIntervalSeconds, progress }. Returns report rows. */
export async function runLatencyScenario({ git, cp, kube, scratch, runs, pollIntervalSeconds, progress }) {
  const label = 'latency';
  progress.step(label, 'installing the Sync CRD, repositories and Syncs');
  await installSyncCrd(cp.kubeconfigPath);
  await createNamespace(kube, cp.kubeconfigPath, ns);
  await createNamespace(kube, cp.kubeconfigPath, `${ns}-kubectl`);
  const sources = {};
  for (const [name, interval] of [['hook', '1h'], ['poll', `${pollIntervalSeconds}s`]]) {
    const repo = await git.createRepo(`latency/${name}`);
    const work = await createWorkTree(join(scratch, `latency-${name}`), repo.url);
    await writeObjects(work.dir, name, 1);
    const first = await work.commitAndPush('initial');
    sources[name] = { repo, work, first };
    const sync = { apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name, namespace: ns }, spec: { url: repo.url, namespace: ns, interval } };
    const file = join(scratch, `sync-${name}.json`);
    await writeFile(file, JSON.stringify(sync));
    await kubectl(cp.kubeconfigPath, ['apply', '--server-side', '--field-manager=bench', '-f', file]);
  }
  const secret = randomBytes(24).toString('hex');
  const secretFile = join(scratch, 'webhook-secret');
  await writeFile(secretFile, secret, { mode: 0o600 });
  progress.step(label, 'starting ferry-agent run, first sync of both Syncs');
  const agent = await startAgentProcess(['--kubeconfig', cp.kubeconfigPath, '--namespace', ns, '--leader-elect', 'false', '--metrics-addr', 'off',
    '--webhook-addr', '127.0.0.1:0', '--webhook-secret-file', secretFile, '--cache-dir', join(scratch, 'latency-cache')], { progress });
  const readyAt = (name, revision) => syncAppliedAt(kube, ns, name, revision);
  const m = { hook: [], poll: [], kubectl: [] };
  try {
    await waitFor('both Syncs applied', 120_000, async () => (await readyAt('hook', sources.hook.first)) && (await readyAt('poll', sources.poll.first)));
    const measure = async (name, i, afterPush) => {
      const watch = await kube.watchObject(`/api/v1/namespaces/${ns}/configmaps`, `${name}-lat`);
      try {
        const { work, repo } = sources[name];
        await writeObjects(work.dir, name, i + 1);
        const commit = await work.commitAndPush(`version ${i + 1}`);
        const pushed = process.hrtime.bigint();
        await afterPush(repo, commit);
        const applied = await watch.until((o) => o.data?.version === String(i + 1), (pollIntervalSeconds * 1.2 + 60) * 1000);
        return Number(applied - pushed) / 1e9;
      } finally {
        watch.close();
      }
    };
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'webhook: push, POST signed push event, wait for the change', i, runs);
      m.hook.push(await measure('hook', i, (repo, commit) => postPushWebhook({ webhookUrl: agent.started.webhook, secret, repoUrl: repo.url, after: commit, expectSync: `${ns}/hook` })));
      progress.step(label, 'baseline: kubectl apply --server-side after the push', i, runs);
      m.kubectl.push((await timedOk(kubectlPath(), ['--kubeconfig', cp.kubeconfigPath, 'apply', '--server-side', '--field-manager=bench-kubectl', '-n', `${ns}-kubectl`, '-f', sources.hook.work.dir])).seconds);
    }
    for (let i = 1; i <= runs; i++) {
      progress.step(label, `polling (interval ${pollIntervalSeconds}s): wait (a phase of the cycle), push, wait for the change`, i, runs);
      // Without a wait every push would land just after a poll and wait a full interval.
      await new Promise((resolve) => setTimeout(resolve, pollPhaseWaitMs(i, runs, pollIntervalSeconds)));
      m.poll.push(await measure('poll', i, async () => {}));
    }
    const daemonPeak = await agent.peakMb();
    const size = `${objectsPerRepo} objects`;
    const baselineName = 'push-style CI: kubectl apply --server-side right after the push';
    progress.log(`latency: webhook ${m.hook.map((x) => x.toFixed(2)).join(', ')} s; polling ${m.poll.map((x) => x.toFixed(2)).join(', ')} s`);
    return [
      { scenario: 'commit-to-applied latency, webhook', size, metric: 'time', unit: 's', ferry: m.hook, baselineName, baseline: m.kubectl },
      { scenario: `commit-to-applied latency, polling every ${pollIntervalSeconds} s`, size, metric: 'time', unit: 's', ferry: m.poll, baselineName, baseline: m.kubectl },
      { scenario: 'ferry-agent run (daemon) during the latency runs', size: `2 Syncs x ${objectsPerRepo} objects`, metric: 'peak RSS', unit: 'MB', ferry: [daemonPeak] },
    ];
  } finally {
    await agent.stop();
  }
}
