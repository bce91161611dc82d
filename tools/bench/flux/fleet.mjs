// Flux on the fleet scenario's shape (issue 14: "measure Flux on the same 500 if it runs here"):
// the same repositories and directories, one GitRepository per repository and one Kustomization per
// directory (prune on, the Syncs' interval, Flux's shipped defaults: source-controller 2 and
// kustomize-controller 4 concurrent reconciles), applied into a namespace of their own:
//   - first sync: from the controllers' start until every Kustomization has been Ready at its
//     repository's commit (the Syncs' figure: from the agent's start);
//   - peak RSS of both controllers together, and their CPU seconds;
//   - git requests per interval while idle, counted by the bench's git server as for Ferry.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isPackDownload } from '@ferry/testenv';
import { createNamespace, deleteNamespace, kubectl, waitFor } from '../lib/cluster-helpers.mjs';
import { cpuSecondsOf } from '../lib/processes.mjs';
import { applyFluxCrds, fluxVersion, installFlux, startFlux } from './controllers.mjs';
import { connectWriter } from './kube-write.mjs';

const ns = 'bench-flux-fleet';

/**
 * ctx: { git, cp, kube, scratch, progress }; the fleet's repositories ({ url, commit, repo, syncs: [directory names] })
 * and its `intervalSeconds`. Resolves { converge, peakMb, cpuSeconds, idlePerInterval, idleDownloads } or { error }.
 */
export async function measureFluxFleet({ git, cp, kube, scratch, progress, repos, intervalSeconds, requestsByKind }) {
  const label = `fleet, Flux v${fluxVersion}`;
  progress.step(label, 'building Flux unless cached (tools/bench/flux/install-flux.sh)');
  const built = await installFlux(progress);
  if (built.error) return { error: built.error };
  const kubeconfig = cp.kubeconfigPath;
  const kustomizations = repos.reduce((n, r) => n + r.syncs.length, 0);
  progress.step(label, `CRDs, ${repos.length} GitRepositories and ${kustomizations} Kustomizations`);
  await applyFluxCrds(kubeconfig, built.dir);
  await createNamespace(kube, kubeconfig, ns);
  const interval = `${intervalSeconds}s`;
  const items = repos.flatMap((r, i) => [
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: `r${i}`, namespace: ns }, spec: { url: r.url, interval, ref: { branch: 'main' } } },
    ...r.syncs.map((dir) => ({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: dir, namespace: ns },
      spec: { sourceRef: { kind: 'GitRepository', name: `r${i}` }, path: `./${dir}`, prune: true, interval, timeout: '2m', targetNamespace: ns },
    })),
  ]);
  const file = join(scratch, 'flux-fleet.json');
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await kubectl(kubeconfig, ['apply', '--server-side', '--field-manager=bench', '-f', file]);
  const want = new Map(repos.flatMap((r) => r.syncs.map((dir) => [dir, `main@sha1:${r.commit}`])));
  // Seen Ready at the commit once: a Kustomization's Ready turns Unknown while it reconciles again,
  // and at a short interval on a busy machine some always are, so "all Ready at one moment" may never
  // come (the Syncs' figure asks for that; this one is the more lenient).
  const seenReady = new Set();
  const readyCount = async () => {
    const list = await kube.getJson(`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`);
    for (const k of list?.items ?? []) {
      if (k.status?.lastAppliedRevision === want.get(k.metadata.name) && k.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) seenReady.add(k.metadata.name);
    }
    return seenReady.size;
  };
  const repoNames = new Set(repos.map((r) => r.repo));
  const fluxRequests = () => git.requests.filter((r) => repoNames.has(r.repo));

  progress.step(label, `starting source-controller and kustomize-controller, first sync of ${kustomizations} Kustomizations`);
  const apiBefore = await requestsByKind(kube);
  const started = process.hrtime.bigint();
  let flux;
  try {
    flux = await startFlux({ dir: built.dir, kubeconfig, namespace: ns, scratch: join(scratch, 'flux-fleet-run') });
  } catch (error) {
    await deleteNamespace(kube, kubeconfig, ns).catch(() => {});
    return { error: error.message };
  }
  try {
    let last = -1;
    await waitFor('every Kustomization Ready', 30 * 60_000, async () => {
      const ready = await readyCount();
      if (ready !== last && ready % 50 === 0) progress.log(`flux fleet: ${ready}/${kustomizations} Kustomizations Ready after ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s`);
      last = ready;
      return ready === kustomizations;
    }, 1_000);
    const converge = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = (await Promise.all(flux.controllers.map((c) => cpuSecondsOf(c.pid)))).reduce((a, b) => a + b, 0);
    const apiAfter = await requestsByKind(kube);
    const apiTotal = Object.entries(apiAfter).reduce((sum, [k, v]) => sum + v - (apiBefore[k] ?? 0), 0);

    progress.step(label, `idle: counting git requests over two ${intervalSeconds} s intervals`);
    const before = fluxRequests().length;
    // Measured time, not synchronisation: the window the requests are counted in.
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalSeconds * 1000));
    const idle = fluxRequests().slice(before);
    const peaks = await Promise.all(flux.controllers.map((c) => c.peakMb()));
    const result = {
      converge, cpuSeconds: cpu, peakMb: peaks[0] + peaks[1], peaks, apiPerKustomization: apiTotal / kustomizations,
      // source-controller's git (go-git, protocol v0) asks for the head with the advertisement GET
      // and downloads with an upload-pack POST.
      idlePerInterval: idle.length / 2, idleDownloads: idle.filter(isPackDownload).length / 2,
    };
    progress.log(`flux fleet: converged in ${converge.toFixed(1)} s (controllers' CPU ${cpu.toFixed(1)} s, ${result.apiPerKustomization.toFixed(1)} API requests per Kustomization), idle ${result.idlePerInterval} git requests per ${intervalSeconds} s interval (${result.idleDownloads} pack downloads), peak RSS ${peaks.map((p) => p.toFixed(0)).join(' + ')} MB`);
    return result;
  } finally {
    await flux.stop();
    // Flux's objects go, the ConfigMaps stay (deleting 10,000 objects would load the control plane
    // under the next scenario). Left in place, a later Flux (the flux scenario's) would spend its
    // workers on these Kustomizations, whose artifacts a stopped server served; with the controllers
    // stopped, their finalizers are dropped first, or the deletes would never end.
    const writer = await connectWriter(kubeconfig);
    for (const collection of [`/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`, `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories`]) {
      for (const item of (await kube.getJson(collection))?.items ?? []) await writer.mergePatch(`${collection}/${item.metadata.name}`, { metadata: { finalizers: null } });
      const r = await kube.call('DELETE', collection);
      if (r.status !== 200) progress.log(`teardown: DELETE ${collection}: ${r.status}`);
    }
  }
}
