// Scenario "agent": the Ferry agent CLI (`ferry-agent sync --once`, run as users run the bin: the
// one-shot rows) against `kubectl apply --server-side` of the same directory of N ConfigMaps, on the
// real control plane, and its no-op poll against `git ls-remote`; then the same first sync against an
// API server 5 ms away (agent-remote.mjs) and the long-running daemon's reconciles (agent-daemon.mjs). Write requests are counted by the API server itself
// (apiserver_request_total before and after, dry-runs apart), the same way for both sides. Peak RSS
// and wall time come from GNU time.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath } from '@ferry/testenv';
import { diffCounts } from '../lib/kube-api.mjs';
import { createNamespace, createWorkTree, deleteNamespace, writeConfigMaps } from '../lib/cluster-helpers.mjs';
import { gitEnv, stopwatch, run, timedOk } from '../lib/processes.mjs';
import { median } from '../src/format-report.mjs';
import { runAgentDaemonRows } from './agent-daemon.mjs';
import { runAgentRemoteRows } from './agent-remote.mjs';

const agentBin = fileURLToPath(new URL('../../../apps/agent/bin/ferry-agent.js', import.meta.url));

/** Runs `fn` and returns its result with the writes and dry-runs the API server counted meanwhile. */
async function counted(kube, fn) {
  const before = await kube.requestCounts();
  const result = await fn();
  const delta = diffCounts(await kube.requestCounts(), before);
  return { ...result, writes: delta.writes, dryRuns: delta.dryRuns, writesByResource: delta.writesByResource };
}

function agentSync(kube, cp, url, ns, cacheDir, extra = []) {
  return counted(kube, async () => {
    const r = await timedOk(agentBin, ['sync', '--once', '--url', url, '--path', 'objects', '--namespace', ns, '--state-namespace', ns,
      '--name', 'bench', '--kubeconfig', cp.kubeconfigPath, '--cache-dir', cacheDir, '--json', '--health-timeout', '60s', ...extra]);
    const report = JSON.parse(r.stdout);
    const sync = report.syncs[0];
    return { seconds: r.seconds, peakMb: r.peakMb, reconcileSeconds: sync.durationMs / 1000, outcome: sync.outcome, selfReportedWrites: report.requests.writes };
  });
}

function kubectlApply(kube, cp, dir, ns) {
  return counted(kube, async () => {
    const r = await timedOk(kubectlPath(), ['--kubeconfig', cp.kubeconfigPath, 'apply', '--server-side', '--field-manager=bench-kubectl', '-n', ns, '-f', dir]);
    return { seconds: r.seconds, peakMb: r.peakMb };
  });
}

/** ctx: { git, cp, kube, scratch, runs, sizes, progress }. Returns report rows. */
export async function runAgentScenario({ git, cp, kube, scratch, runs, sizes, progress }) {
  const extra = [];
  const rows = [];
  for (const n of sizes) {
    const label = `agent ${n.toLocaleString('en')} objects`;
    progress.step(label, 'creating the repository');
    const repo = await git.createRepo(`agent-${n}/config`);
    const work = await createWorkTree(join(scratch, `agent-work-${n}`), repo.path);
    const objectsDir = join(work.dir, 'objects');
    await writeConfigMaps(objectsDir, n);
    await work.commitAndPush('initial');
    const ns = (side, i) => `bench-${side}-${n}-${i}`;
    const cache = (i) => join(scratch, `agent-cache-${n}-${i}`);
    const m = { agentFirst: [], kubectlFirst: [], agentNoop: [], lsRemote: [], kubectlReapply: [], agentDrift: [], agentChange: [], kubectlChange: [] };

    // First sync: each run into fresh namespaces and a fresh git cache; run 1's stay for what follows.
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'first sync: setting up namespaces', i, runs);
      await createNamespace(kube, cp.kubeconfigPath, ns('agent', i));
      await createNamespace(kube, cp.kubeconfigPath, ns('kubectl', i));
      for (const side of i % 2 ? ['agent', 'kubectl'] : ['kubectl', 'agent']) {
        progress.step(label, side === 'agent' ? 'ferry-agent first sync' : 'kubectl apply --server-side (first)', i, runs);
        if (side === 'agent') m.agentFirst.push(await agentSync(kube, cp, repo.url, ns('agent', i), cache(i)));
        else m.kubectlFirst.push(await kubectlApply(kube, cp, objectsDir, ns('kubectl', i)));
      }
      if (i > 1) {
        progress.step(label, 'first sync: deleting the run\'s namespaces', i, runs);
        await deleteNamespace(kube, cp.kubeconfigPath, ns('agent', i));
        await deleteNamespace(kube, cp.kubeconfigPath, ns('kubectl', i));
      }
    }
    // Remote API server: the same first sync through a proxy 5 ms away, before the head moves.
    extra.push(...(await runAgentRemoteRows({ cp, kube, scratch, runs, n, repoUrl: repo.url, objectsDir, progress })));
    // No-op: the head did not move. The agent asks the remote for its head (what a poll costs);
    // git ls-remote is that question asked natively; kubectl can only re-apply everything.
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'no-op poll: ferry-agent, git ls-remote, kubectl re-apply', i, runs);
      m.agentNoop.push(await agentSync(kube, cp, repo.url, ns('agent', 1), cache(1)));
      m.lsRemote.push((await stopwatch(() => run('git', ['ls-remote', repo.url, 'refs/heads/main'], { env: gitEnv }))).seconds);
      m.kubectlReapply.push(await kubectlApply(kube, cp, objectsDir, ns('kubectl', 1)));
    }
    // Drift check: what the daemon does every interval (render, dry-run every object, write what differs).
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'drift check: ferry-agent --force', i, runs);
      m.agentDrift.push(await agentSync(kube, cp, repo.url, ns('agent', 1), cache(1), ['--force']));
    }
    // One change: a new commit that changes one object (a different one each run; earlier changes stay).
    const versions = new Map();
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'one change: commit', i, runs);
      const changed = Math.floor((n * i) / (runs + 1));
      versions.set(changed, i + 1);
      await writeConfigMaps(objectsDir, n, (j) => versions.get(j) ?? 1);
      await work.commitAndPush(`change cm ${changed}`);
      for (const side of i % 2 ? ['agent', 'kubectl'] : ['kubectl', 'agent']) {
        progress.step(label, side === 'agent' ? 'one change: ferry-agent' : 'one change: kubectl apply --server-side', i, runs);
        if (side === 'agent') m.agentChange.push(await agentSync(kube, cp, repo.url, ns('agent', 1), cache(1)));
        else m.kubectlChange.push(await kubectlApply(kube, cp, objectsDir, ns('kubectl', 1)));
      }
    }
    await deleteNamespace(kube, cp.kubeconfigPath, ns('agent', 1));
    await deleteNamespace(kube, cp.kubeconfigPath, ns('kubectl', 1));

    for (const [key, list] of Object.entries(m)) {
      const bad = list.find((x) => typeof x === 'object' && x.outcome && !['Applied', 'Unchanged'].includes(x.outcome));
      if (bad) throw new Error(`${label} ${key}: agent outcome ${bad.outcome}`);
    }
    const f = (list, key) => list.map((x) => x[key]);
    const size = `${n.toLocaleString('en')} objects`;
    const kubectlName = 'kubectl apply --server-side';
    rows.push(
      { scenario: 'agent no-op poll (head unchanged): reconcile in-process', size, metric: 'time', unit: 's', ferry: f(m.agentNoop, 'reconcileSeconds'), baselineName: 'git ls-remote', baseline: m.lsRemote },
      { scenario: 'agent no-op poll (head unchanged): whole CLI run', size, metric: 'wall time', unit: 's', ferry: f(m.agentNoop, 'seconds'), baselineName: `${kubectlName} (re-apply, nothing changed)`, baseline: f(m.kubectlReapply, 'seconds') },
      { scenario: 'agent no-op poll (head unchanged)', size, metric: 'write requests', unit: 'count', ferry: f(m.agentNoop, 'writes'), baselineName: `${kubectlName} (re-apply)`, baseline: f(m.kubectlReapply, 'writes') },
      { scenario: 'agent first sync', size, metric: 'wall time', unit: 's', ferry: f(m.agentFirst, 'seconds'), baselineName: kubectlName, baseline: f(m.kubectlFirst, 'seconds') },
      { scenario: 'agent first sync', size, metric: 'write requests', unit: 'count', ferry: f(m.agentFirst, 'writes'), baselineName: kubectlName, baseline: f(m.kubectlFirst, 'writes') },
      { scenario: 'agent first sync', size, metric: 'peak RSS', unit: 'MB', ferry: f(m.agentFirst, 'peakMb'), baselineName: kubectlName, baseline: f(m.kubectlFirst, 'peakMb') },
      { scenario: 'agent drift check, one-shot CLI (`sync --once --force`)', size, metric: 'wall time', unit: 's', ferry: f(m.agentDrift, 'seconds'), baselineName: `${kubectlName} (re-apply)`, baseline: f(m.kubectlReapply, 'seconds') },
      { scenario: 'agent drift check (--force)', size, metric: 'write requests', unit: 'count', ferry: f(m.agentDrift, 'writes'), baselineName: `${kubectlName} (re-apply)`, baseline: f(m.kubectlReapply, 'writes') },
      { scenario: 'agent drift check (--force)', size, metric: 'peak RSS', unit: 'MB', ferry: f(m.agentDrift, 'peakMb'), baselineName: `${kubectlName} (re-apply)`, baseline: f(m.kubectlReapply, 'peakMb') },
      { scenario: 'agent one object changed, one-shot CLI (`sync --once`)', size, metric: 'wall time', unit: 's', ferry: f(m.agentChange, 'seconds'), baselineName: kubectlName, baseline: f(m.kubectlChange, 'seconds') },
      { scenario: 'agent one object changed', size, metric: 'write requests', unit: 'count', ferry: f(m.agentChange, 'writes'), baselineName: kubectlName, baseline: f(m.kubectlChange, 'writes') },
      { scenario: 'agent one object changed', size, metric: 'peak RSS', unit: 'MB', ferry: f(m.agentChange, 'peakMb'), baselineName: kubectlName, baseline: f(m.kubectlChange, 'peakMb') },
    );
    extra.push(...(await runAgentDaemonRows({ git, cp, kube, scratch, runs, n, progress })));
    progress.log(`${label}: first sync ferry ${median(f(m.agentFirst, 'seconds'))} s / kubectl ${median(f(m.kubectlFirst, 'seconds'))} s; writes by resource (agent first sync, run 1): ${JSON.stringify(m.agentFirst[0].writesByResource)}; agent self-reported writes ${m.agentFirst[0].selfReportedWrites}`);
  }
  return [...rows, ...extra];
}
