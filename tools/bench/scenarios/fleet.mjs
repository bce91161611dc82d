// Scenario "fleet": many Syncs in one agent (issue 14). `ferry-agent run` (the real bin, its own
// process) with N Syncs of M ConfigMaps each, K Syncs sharing each repository (a directory each):
//   - converge: from the agent's start until every Sync is Ready at its repository's commit;
//   - peak RSS of the agent process over the whole run;
//   - git requests per poll interval while idle, counted by the bench's git server (every request
//     of the fleet's repositories over two intervals, halved), how many of them were pack
//     downloads (an upload-pack POST that is not a protocol v2 ls-refs), and how
//     many drift checks the agent ran meanwhile (its ferry_agent_reconcile_total);
//   - API requests of the first sync per Sync, by verb and resource (apiserver_request_total from
//     the agent's start until all Ready, divided by N; the bench's own once-a-second Sync LIST and
//     the control plane's own few requests are in it too), and those of the idle window per drift check.
// With `flux`, Flux syncs the same repositories afterwards, a Kustomization per Sync, as the
// baseline (flux/fleet.mjs): converge time, peak RSS, idle git requests per interval.
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { isPackDownload } from '@ferry/testenv';
import { fluxVersion } from '../flux/controllers.mjs';
import { measureFluxFleet } from '../flux/fleet.mjs';
import { installSyncCrd, startAgentProcess } from '../lib/agent-process.mjs';
import { configMapYaml, createNamespace, createWorkTree, kubectl, waitFor } from '../lib/cluster-helpers.mjs';

const ns = 'bench-fleet';

/** apiserver_request_total by `VERB resource[/subresource][ dry-run]`. */
async function requestsByKind(kube) {
  const r = await kube.call('GET', '/metrics');
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`);
  const counts = {};
  for (const line of r.text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}${labels.dry_run ? ' dry-run' : ''}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

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
export async function runFleetScenario({ git, cp, kube, scratch, progress, syncs, objects, perRepo, intervalSeconds, maxConcurrent = 4, flux = false }) {
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
    const dirs = Array.from({ length: Math.min(syncs, (r + 1) * perRepo) - r * perRepo }, (_, i) => `s${r * perRepo + i}`);
    repos.push({ url: repo.url, repo: `fleet/r${r}`, syncs: dirs, commit: await work.commitAndPush('fleet') });
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
  const requestsBefore = await requestsByKind(kube);
  const started = process.hrtime.bigint();
  let ferryRows;
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
    const convergeCpu = await agent.cpuSeconds();
    const firstSyncRequests = fleetRequests().length;
    const requestsAfter = await requestsByKind(kube);
    const apiRequests = Object.entries(requestsAfter).map(([k, v]) => [k, v - (requestsBefore[k] ?? 0)]).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    const apiTotal = apiRequests.reduce((sum, [, v]) => sum + v, 0);
    progress.log(`fleet: first sync sent ${apiTotal} API requests, ${(apiTotal / syncs).toFixed(1)} per Sync: ${apiRequests.map(([k, v]) => `${k} ${(v / syncs).toFixed(2)}`).join(', ')}`);

    progress.step(label, `idle: counting git requests over two ${intervalSeconds} s intervals`);
    const before = fleetRequests().length;
    const reconcilesBefore = await agent.reconciles();
    const idleCpuBefore = await agent.cpuSeconds();
    const idleRequestsBefore = await requestsByKind(kube);
    // Measured time, not synchronisation: the window the requests are counted in.
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalSeconds * 1000));
    const idle = fleetRequests().slice(before);
    const reconciled = (await agent.reconciles()) - reconcilesBefore;
    const idleCpu = (await agent.cpuSeconds()) - idleCpuBefore;
    const idleApi = Object.entries(await requestsByKind(kube)).map(([k, v]) => [k, v - (idleRequestsBefore[k] ?? 0)]).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
    const idleApiTotal = idleApi.reduce((sum, [, v]) => sum + v, 0);
    progress.log(`fleet: idle, ${idleApiTotal} API requests for ${reconciled} drift checks, ${(idleApiTotal / Math.max(1, reconciled)).toFixed(1)} per drift check: ${idleApi.map(([k, v]) => `${k} ${(v / Math.max(1, reconciled)).toFixed(2)}`).join(', ')}`);
    const perInterval = idle.length / 2;
    const downloads = idle.filter(isPackDownload).length / 2;
    const peak = await agent.peakMb();
    progress.log(`fleet: converged in ${converge.toFixed(1)} s (${firstSyncRequests} git requests, agent CPU ${convergeCpu.toFixed(1)} s, load average ${loadavg()[0].toFixed(1)}), idle agent CPU ${(idleCpu / 2).toFixed(1)} s per interval, idle ${perInterval} git requests per ${intervalSeconds} s interval for ${repos.length} repositories and ${reconciled / 2} drift checks (${downloads} pack downloads), peak RSS ${peak.toFixed(0)} MB`);
    ferryRows = {
      converge, apiPerSync: apiTotal / syncs, peak, perInterval, reconciled: reconciled / 2, downloads,
    };
  } finally {
    await agent.stop();
  }
  // Flux afterwards, on the same repositories; the agent is gone, so every git request is Flux's.
  const f = flux ? await measureFluxFleet({ git, cp, kube, scratch, progress, repos, intervalSeconds, requestsByKind }) : undefined;
  if (f?.error) progress.log(`fleet: Flux not run: ${f.error}`);
  const baseline = (name, value) => (f && !f.error ? { baselineName: `Flux v${fluxVersion}, ${syncs} Kustomizations${name}`, baseline: [value(f)] } : {});
  const size = `${syncs} Syncs x ${objects} objects, ${repos.length} repositories`;
  const m = ferryRows;
  return [
    { scenario: 'many Syncs: first sync, agent start to all Ready', size, metric: 'time', unit: 's', ferry: [m.converge], ...baseline(' (controllers\' start to all Ready)', (x) => x.converge) },
    { scenario: 'many Syncs: first sync, API requests per Sync', size, metric: 'requests', unit: 'count', ferry: [m.apiPerSync], ...baseline(' (per Kustomization)', (x) => x.apiPerKustomization) },
    { scenario: 'many Syncs: ferry-agent run peak RSS', size, metric: 'peak RSS', unit: 'MB', ferry: [m.peak], ...baseline(' (source- + kustomize-controller)', (x) => x.peakMb) },
    { scenario: `many Syncs: git requests per ${intervalSeconds} s interval, idle`, size, metric: 'requests', unit: 'count', ferry: [m.perInterval], ...baseline('', (x) => x.idlePerInterval) },
    { scenario: `many Syncs: drift checks per ${intervalSeconds} s interval, idle`, size, metric: 'reconciles', unit: 'count', ferry: [m.reconciled] },
    { scenario: `many Syncs: pack downloads per ${intervalSeconds} s interval, idle`, size, metric: 'requests', unit: 'count', ferry: [m.downloads], ...baseline('', (x) => x.idleDownloads) },
  ];
}
