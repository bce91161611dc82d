// Scenario "fleet": many Syncs in one agent (issue 14). `ferry-agent run` (the real bin, its own
// process) with N Syncs of M ConfigMaps each, K Syncs sharing each repository (a directory each):
//   - converge: from the agent's start until every Sync is Ready at its repository's commit;
//   - peak RSS of the agent process over the whole run;
//   - git requests per poll interval while idle, counted by the bench's git server (every request
//     of the fleet's repositories over two intervals, halved), how many of them were pack
//     downloads (a fetch starts with the advertisement GET; a ref listing is one POST), and how
//     many drift checks the agent ran meanwhile (its ferry_agent_reconcile_total).
// No baseline is run: Flux's published figure (1,000 Kustomizations in 4m16s) is quoted in
// docs/benchmarks.md, not measured here.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installSyncCrd, startAgentProcess } from '../lib/agent-process.mjs';
import { configMapYaml, createNamespace, createWorkTree, kubectl, waitFor } from '../lib/cluster-helpers.mjs';

const ns = 'bench-fleet';

/** Starts `ferry-agent run` for the fleet namespace; resolves once it logged that it started. */
async function startAgent({ kubeconfig, cacheDir, maxConcurrent, progress }) {
  const agent = await startAgentProcess(['--kubeconfig', kubeconfig, '--namespace', ns, '--leader-elect', 'false', '--metrics-addr', '127.0.0.1:0',
    '--cache-dir', cacheDir, '--max-concurrent', String(maxConcurrent)], { progress });
  return {
    ...agent,
    /** Reconciles the agent counted (ferry_agent_reconcile_total, every outcome). */
    async reconciles() {
      const text = await (await fetch(`${agent.started.metrics}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith('ferry_agent_reconcile_total{')).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    },
  };
}

/**
 * ctx: { git, cp, kube, scratch, progress } and the fleet's shape: `syncs` Syncs of `objects`
 * ConfigMaps, `perRepo` Syncs per repository, `intervalSeconds` their spec.interval.
 */
export async function runFleetScenario({ git, cp, kube, scratch, progress, syncs, objects, perRepo, intervalSeconds, maxConcurrent = 4 }) {
  const label = `fleet ${syncs} Syncs`;
  progress.step(label, `repositories (${perRepo} Syncs each) and Sync objects`);
  await installSyncCrd(cp.kubeconfigPath);
  await createNamespace(kube, cp.kubeconfigPath, ns);
  const repos = [];
  for (let r = 0; r * perRepo < syncs; r++) {
    const repo = await git.createRepo(`fleet/r${r}`);
    const work = await createWorkTree(join(scratch, `fleet-r${r}`), repo.url);
    for (let s = r * perRepo; s < Math.min(syncs, (r + 1) * perRepo); s++) {
      const dir = join(work.dir, `s${s}`);
      await mkdir(dir, { recursive: true });
      for (let o = 0; o < objects; o++) await writeFile(join(dir, `cm-${o}.yaml`), configMapYaml(`s${s}-cm-${o}`, { sync: s, index: o, payload: 'x'.repeat(200) }));
    }
    repos.push({ url: repo.url, commit: await work.commitAndPush('fleet') });
  }
  const items = Array.from({ length: syncs }, (_, s) => ({
    apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: `s${s}`, namespace: ns },
    spec: { url: repos[Math.floor(s / perRepo)].url, path: `s${s}`, interval: `${intervalSeconds}s`, timeout: '2m' },
  }));
  const file = join(scratch, 'fleet-syncs.json');
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await kubectl(cp.kubeconfigPath, ['apply', '--server-side', '--field-manager=bench', '-f', file]);

  const fleetRequests = () => git.requests.filter((r) => r.repo?.startsWith('fleet/'));
  const readyCount = async () => {
    const list = await kube.getJson(`/apis/ferry.dev/v1alpha1/namespaces/${ns}/syncs`);
    return (list?.items ?? []).filter((sync) => {
      const want = repos[Math.floor(Number(sync.metadata.name.slice(1)) / perRepo)].commit;
      return sync.status?.lastAppliedRevision === want && sync.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    }).length;
  };

  progress.step(label, `starting ferry-agent run (--max-concurrent ${maxConcurrent}), first sync of ${syncs * objects} objects`);
  const started = process.hrtime.bigint();
  const agent = await startAgent({ kubeconfig: cp.kubeconfigPath, cacheDir: join(scratch, 'fleet-cache'), maxConcurrent, progress });
  try {
    let last = -1;
    await waitFor('every Sync Ready', 30 * 60_000, async () => {
      const ready = await readyCount();
      if (ready !== last && ready % 50 === 0) progress.log(`fleet: ${ready}/${syncs} Syncs Ready after ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s`);
      last = ready;
      return ready === syncs;
    }, 1_000);
    const converge = Number(process.hrtime.bigint() - started) / 1e9;
    const firstSyncRequests = fleetRequests().length;

    progress.step(label, `idle: counting git requests over two ${intervalSeconds} s intervals`);
    const before = fleetRequests().length;
    const reconcilesBefore = await agent.reconciles();
    // Measured time, not synchronisation: the window the requests are counted in.
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalSeconds * 1000));
    const idle = fleetRequests().slice(before);
    const reconciled = (await agent.reconciles()) - reconcilesBefore;
    const perInterval = idle.length / 2;
    const downloads = idle.filter((r) => r.stage === 'advertise').length / 2;
    const peak = await agent.peakMb();
    progress.log(`fleet: converged in ${converge.toFixed(1)} s (${firstSyncRequests} git requests), idle ${perInterval} git requests per ${intervalSeconds} s interval for ${repos.length} repositories and ${reconciled / 2} drift checks (${downloads} pack downloads), peak RSS ${peak.toFixed(0)} MB`);
    const size = `${syncs} Syncs x ${objects} objects, ${repos.length} repositories`;
    return [
      { scenario: 'many Syncs: first sync, agent start to all Ready', size, metric: 'time', unit: 's', ferry: [converge] },
      { scenario: 'many Syncs: ferry-agent run peak RSS', size, metric: 'peak RSS', unit: 'MB', ferry: [peak] },
      { scenario: `many Syncs: git requests per ${intervalSeconds} s interval, idle`, size, metric: 'requests', unit: 'count', ferry: [perInterval] },
      { scenario: `many Syncs: drift checks per ${intervalSeconds} s interval, idle`, size, metric: 'reconciles', unit: 'count', ferry: [reconciled / 2] },
      { scenario: `many Syncs: pack downloads per ${intervalSeconds} s interval, idle`, size, metric: 'requests', unit: 'count', ferry: [downloads] },
    ];
  } finally {
    await agent.stop();
  }
}
