// Scenario "flux": Flux (source-controller + kustomize-controller, built from their Go modules by
// flux/install-flux.sh) beside Ferry's daemon (`ferry-agent run`) in the same run, on the same
// control plane, git server and repository of N ConfigMaps (the agent daemon scenario's). Each side
// syncs it into its own namespace, one after the other, never both at once:
//   - first sync: from the POST creating the Sync / the GitRepository + Kustomization (prune on) to
//     the watch event showing Ready at the pushed revision;
//   - drift check: a reconcile request with nothing changed (Flux: reconcile.fluxcd.io/requestedAt on
//     the Kustomization, until status.lastHandledReconcileAt shows it; Ferry: ferry.dev/reconcile-
//     requested-at on the Sync, until the daemon logs that reconcile's end: it writes no status when
//     nothing changed);
//   - one change: a commit changing one ConfigMap, then the request (Flux as `flux reconcile ks
//     --with-source`: the GitRepository, and once it handled that, the Kustomization), until the
//     watch shows the new revision applied and Ready;
//   - commit-to-applied, polling only: every interval the same (--poll-interval), the other side
//     suspended, a wait so the pushes land across the polling cycle (pollPhaseWaitMs), then a push; until
//     the watch shows the changed ConfigMap;
//   - peak RSS of each (Flux: both controllers together).
// Both sides' intervals are 1 h outside the polling rows, so only the requests start reconciles.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { diffCounts } from '../lib/kube-api.mjs';
import { pollPhaseWaitMs } from '../src/poll-phase.mjs';
import { createNamespace, createWorkTree, deleteNamespace, kubectl, waitFor, writeConfigMaps } from '../lib/cluster-helpers.mjs';
import { applyFluxCrds, fluxVersion, installFlux, startFlux } from '../flux/controllers.mjs';
import { installSyncCrd, startAgentProcess } from '../lib/agent-process.mjs';
import { connectWriter } from '../flux/kube-write.mjs';

const gitRepos = (ns) => `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories`;
const kustomizations = (ns) => `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ns}/kustomizations`;
const syncs = (ns) => `/apis/ferry.dev/v1alpha1/namespaces/${ns}/syncs`;
const ready = (o) => o?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const seconds = (from, to) => Number(to - from) / 1e9;

/** `ferry-agent run` for namespace `ns`, leader election off; `nextReconcile` resolves with the next log entry that ends a reconcile. */
async function startFerry({ kubeconfig, ns, cacheDir, progress }) {
  const listeners = new Set();
  const agent = await startAgentProcess(['--kubeconfig', kubeconfig, '--namespace', ns, '--leader-elect', 'false', '--metrics-addr', 'off',
    '--cache-dir', cacheDir, '--log-level', 'debug'], { progress, onEntry: (entry, at) => { for (const listener of listeners) listener(entry, at); } });
  return {
    ...agent,
    /** The next log entry that ends a reconcile (it has durationMs), with its arrival time. */
    nextReconcile: (timeoutMs) => new Promise((resolve, reject) => {
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
    }),
  };
}

/** Resolves with the watch's arrival time of the first state of `name` matching `predicate`. */
async function watchUntil(kube, collectionPath, name, predicate, timeoutMs) {
  const watch = await kube.watchObject(collectionPath, name);
  try {
    return await watch.until(predicate, timeoutMs);
  } finally {
    watch.close();
  }
}

/** Rows saying Flux was not measured, and why. */
function notRun(reason, n) {
  return [{ scenario: `Flux v${fluxVersion} beside ferry-agent run: not run`, size: `${n.toLocaleString('en')} objects`, metric: 'wall time', unit: 's', ferry: [], note: `Flux could not be built or run here: ${reason}` }];
}

/** ctx: { git, cp, kube, scratch, runs, n, pollIntervalSeconds, progress }. Returns report rows. */
export async function runFluxScenario({ git, cp, kube, scratch, runs, n, pollIntervalSeconds, progress }) {
  const label = `flux ${n.toLocaleString('en')} objects`;
  progress.step(label, `building Flux v${fluxVersion} unless cached (tools/bench/flux/install-flux.sh)`);
  const built = await installFlux(progress);
  if (built.error) {
    progress.log(`flux: not run: ${built.error}`);
    return notRun(built.error, n);
  }
  const kubeconfig = cp.kubeconfigPath;
  const writer = await connectWriter(kubeconfig);
  const fluxNs = `bench-flux-${n}`;
  const ferryNs = `bench-flux-ferry-${n}`;
  progress.step(label, 'CRDs (Flux, Sync), namespaces, the repository');
  await applyFluxCrds(kubeconfig, built.dir);
  await installSyncCrd(kubeconfig);
  await createNamespace(kube, kubeconfig, fluxNs);
  await createNamespace(kube, kubeconfig, ferryNs);
  const repo = await git.createRepo(`flux-${n}/config`);
  const work = await createWorkTree(join(scratch, `flux-work-${n}`), repo.url);
  const objectsDir = join(work.dir, 'objects');
  await writeConfigMaps(objectsDir, n);
  let head = await work.commitAndPush('initial');

  // Each first sync meets freshly started processes with empty caches (Ferry's git cache and renders,
  // source-controller's storage), as a new Sync or Kustomization of a repository they never saw would.
  let flux;
  let ferry;
  const startBoth = async (i) => {
    progress.step(label, 'starting source-controller, kustomize-controller and ferry-agent run, empty caches', i, runs);
    const dir = join(scratch, `flux-${n}-run-${i}`);
    await mkdir(dir, { recursive: true });
    flux = await startFlux({ dir: built.dir, kubeconfig, namespace: fluxNs, scratch: dir });
    ferry = await startFerry({ kubeconfig, ns: ferryNs, cacheDir: join(dir, 'ferry-cache'), progress });
  };
  const stopBoth = async () => {
    await ferry?.stop().catch((e) => progress.log(`teardown: ${e.message}`));
    await flux?.stop().catch((e) => progress.log(`teardown: ${e.message}`));
    ferry = undefined;
    flux = undefined;
  };
  try {
    await startBoth(1);
  } catch (error) {
    await stopBoth();
    progress.log(`flux: not run: ${error.message}`);
    await deleteNamespace(kube, kubeconfig, fluxNs).catch(() => {});
    await deleteNamespace(kube, kubeconfig, ferryNs).catch(() => {});
    return notRun(error.message, n);
  }
  const m = { ferry: { first: [], drift: [], driftWrites: [], driftDryRuns: [], change: [], changeWrites: [], poll: [] }, flux: { first: [], drift: [], driftWrites: [], driftDryRuns: [], change: [], changeWrites: [], poll: [] } };
  const fluxRevision = () => `main@sha1:${head}`;
  const ksApplied = (o) => o?.status?.lastAppliedRevision === fluxRevision() && ready(o) && o.status.observedGeneration === o.metadata.generation;
  const syncApplied = (o) => o?.status?.lastAppliedRevision === head && ready(o);
  const timeout = 600_000;
  try {
    // First sync, Ferry then Flux, each from its create request to Ready at the revision; between
    // runs both are deleted (prune on: their objects go too) and everything is gone before the next.
    const countCm = async (ns) => (await kube.getJson(`/api/v1/namespaces/${ns}/configmaps?labelSelector=app%3Dbench&limit=${n + 10}`)).items.length;
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'first sync: ferry-agent run, then Flux (create to Ready at the revision)', i, runs);
      let t0 = process.hrtime.bigint();
      await writer.create(syncs(ferryNs), { apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'bench', namespace: ferryNs }, spec: { url: repo.url, path: 'objects', namespace: ferryNs, interval: '1h' } });
      m.ferry.first.push(seconds(t0, await watchUntil(kube, syncs(ferryNs), 'bench', syncApplied, timeout)));
      t0 = process.hrtime.bigint();
      await writer.create(gitRepos(fluxNs), { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'bench', namespace: fluxNs }, spec: { url: repo.url, interval: '1h', ref: { branch: 'main' } } });
      await writer.create(kustomizations(fluxNs), { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'bench', namespace: fluxNs },
        spec: { interval: '1h', path: './objects', prune: true, targetNamespace: fluxNs, sourceRef: { kind: 'GitRepository', name: 'bench' } } });
      m.flux.first.push(seconds(t0, await watchUntil(kube, kustomizations(fluxNs), 'bench', ksApplied, timeout)));
      for (const ns of [ferryNs, fluxNs]) {
        const count = await countCm(ns);
        if (count !== n) throw new Error(`${label}: ${ns} holds ${count} ConfigMaps after the first sync, expected ${n}`);
      }
      if (i === runs) break;
      progress.step(label, 'deleting both (their objects pruned) before the next first sync', i, runs);
      const paths = [`${syncs(ferryNs)}/bench`, `${kustomizations(fluxNs)}/bench`, `${gitRepos(fluxNs)}/bench`];
      for (const path of paths) await kube.call('DELETE', path);
      await waitFor('both sides deleted with their objects', timeout, async () =>
        (await Promise.all(paths.map((path) => kube.getJson(path)))).every((o) => o === undefined) && (await countCm(ferryNs)) === 0 && (await countCm(fluxNs)) === 0, 500);
      await stopBoth();
      await startBoth(i + 1);
    }

    const request = {
      ferry: (token) => writer.mergePatch(`${syncs(ferryNs)}/bench`, { metadata: { annotations: { 'ferry.dev/reconcile-requested-at': token } } }),
      flux: (path, token) => writer.mergePatch(path, { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } }),
    };
    const withWrites = async (fn) => {
      const before = await kube.requestCounts();
      const s = await fn();
      const d = diffCounts(await kube.requestCounts(), before);
      return { s, writes: d.writes, dryRuns: d.dryRuns };
    };
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'drift check: reconcile request, nothing changed (Ferry, then Flux)', i, runs);
      const token = `drift-${i}-${Date.now()}`;
      const f = await withWrites(async () => {
        const done = ferry.nextReconcile(timeout);
        const start = process.hrtime.bigint();
        await request.ferry(token);
        const { entry, at } = await done;
        if (entry.outcome !== 'Unchanged' && entry.outcome !== 'Applied') throw new Error(`${label} drift check: Ferry's outcome ${entry.outcome}`);
        return seconds(start, at);
      });
      m.ferry.drift.push(f.s);
      m.ferry.driftWrites.push(f.writes);
      m.ferry.driftDryRuns.push(f.dryRuns);
      const x = await withWrites(async () => {
        const watch = await kube.watchObject(kustomizations(fluxNs), 'bench');
        try {
          const start = process.hrtime.bigint();
          await request.flux(`${kustomizations(fluxNs)}/bench`, token);
          return seconds(start, await watch.until((o) => o.status?.lastHandledReconcileAt === token && ready(o), timeout));
        } finally {
          watch.close();
        }
      });
      m.flux.drift.push(x.s);
      m.flux.driftWrites.push(x.writes);
      m.flux.driftDryRuns.push(x.dryRuns);
    }

    const versions = new Map();
    for (let i = 1; i <= runs; i++) {
      progress.step(label, 'one change: commit, reconcile request (Ferry, then Flux)', i, runs);
      const changed = Math.floor((n * i) / (runs + 1)) + 1;
      versions.set(changed, i + 1);
      await writeConfigMaps(objectsDir, n, (j) => versions.get(j) ?? 1);
      head = await work.commitAndPush(`change cm ${changed}`);
      const token = `change-${i}-${Date.now()}`;
      const f = await withWrites(async () => {
        const watch = await kube.watchObject(syncs(ferryNs), 'bench');
        try {
          const start = process.hrtime.bigint();
          await request.ferry(token);
          return seconds(start, await watch.until(syncApplied, timeout));
        } finally {
          watch.close();
        }
      });
      m.ferry.change.push(f.s);
      m.ferry.changeWrites.push(f.writes);
      const x = await withWrites(async () => {
        const source = await kube.watchObject(gitRepos(fluxNs), 'bench');
        const ks = await kube.watchObject(kustomizations(fluxNs), 'bench');
        try {
          const start = process.hrtime.bigint();
          await request.flux(`${gitRepos(fluxNs)}/bench`, token);
          await source.until((o) => o.status?.lastHandledReconcileAt === token, timeout);
          await request.flux(`${kustomizations(fluxNs)}/bench`, token);
          return seconds(start, await ks.until(ksApplied, timeout));
        } finally {
          source.close();
          ks.close();
        }
      });
      m.flux.change.push(x.s);
      m.flux.changeWrites.push(x.writes);
    }

    // Polling: the same interval on both sides, one side at a time (the other suspended).
    const interval = `${pollIntervalSeconds}s`;
    const suspend = async (side, suspended) => {
      if (side === 'ferry') return writer.mergePatch(`${syncs(ferryNs)}/bench`, { spec: { suspend: suspended, interval: suspended ? '1h' : interval } });
      for (const path of [`${gitRepos(fluxNs)}/bench`, `${kustomizations(fluxNs)}/bench`]) await writer.mergePatch(path, { spec: { suspend: suspended, interval: suspended ? '1h' : interval } });
    };
    let version = 100;
    for (const side of ['ferry', 'flux']) {
      await suspend(side === 'ferry' ? 'flux' : 'ferry', true);
      // Resuming changes the spec, which starts one reconcile at once: let it end before measuring.
      if (side === 'ferry') {
        const done = ferry.nextReconcile(timeout);
        await suspend(side, false);
        await done;
      } else {
        await suspend(side, false);
        await watchUntil(kube, kustomizations(fluxNs), 'bench', ksApplied, timeout);
      }
      for (let i = 1; i <= runs; i++) {
        progress.step(label, `commit-to-applied, polling every ${interval} (${side === 'ferry' ? 'Ferry' : 'Flux'}): wait (a phase of the cycle), push, until applied`, i, runs);
        // Without a wait every push would land just after a poll and wait a full interval.
        await new Promise((resolve) => setTimeout(resolve, pollPhaseWaitMs(i, runs, pollIntervalSeconds)));
        version += 1;
        const v = version;
        versions.set(0, v);
        const ns = side === 'ferry' ? ferryNs : fluxNs;
        const watch = await kube.watchObject(`/api/v1/namespaces/${ns}/configmaps`, 'cm-00000');
        try {
          await writeConfigMaps(objectsDir, n, (j) => versions.get(j) ?? 1);
          head = await work.commitAndPush(`poll ${side} ${i}`);
          const pushed = process.hrtime.bigint();
          m[side].poll.push(seconds(pushed, await watch.until((o) => o.data?.version === String(v), (pollIntervalSeconds * 3 + 120) * 1000)));
        } finally {
          watch.close();
        }
      }
    }
    const ferryPeak = await ferry.peakMb();
    const fluxPeaks = await Promise.all(flux.controllers.map((c) => c.peakMb()));
    const size = `${n.toLocaleString('en')} objects`;
    const fluxName = `Flux v${fluxVersion} (source- + kustomize-controller)`;
    const fmt = (list) => list.map((x) => x.toFixed(2)).join(', ');
    progress.log(`${label}: first sync ${fmt(m.ferry.first)} vs ${fmt(m.flux.first)} s; drift ${fmt(m.ferry.drift)} vs ${fmt(m.flux.drift)} s; change ${fmt(m.ferry.change)} vs ${fmt(m.flux.change)} s; polling ${fmt(m.ferry.poll)} vs ${fmt(m.flux.poll)} s; writes drift ${m.ferry.driftWrites} vs ${m.flux.driftWrites} (dry-runs ${m.ferry.driftDryRuns} vs ${m.flux.driftDryRuns}), change ${m.ferry.changeWrites} vs ${m.flux.changeWrites}; peak ${ferryPeak.toFixed(0)} vs ${fluxPeaks.map((x) => x.toFixed(0)).join(' + ')} MB`);
    return [
      { scenario: 'vs Flux: first sync (create to Ready at the revision)', size, metric: 'wall time', unit: 's', ferry: m.ferry.first, baselineName: fluxName, baseline: m.flux.first },
      { scenario: 'vs Flux: drift check (reconcile request, nothing changed)', size, metric: 'wall time', unit: 's', ferry: m.ferry.drift, baselineName: fluxName, baseline: m.flux.drift },
      { scenario: 'vs Flux: drift check', size, metric: 'write requests (the request annotation and status included)', unit: 'count', ferry: m.ferry.driftWrites, baselineName: fluxName, baseline: m.flux.driftWrites },
      { scenario: 'vs Flux: one object changed (commit, reconcile request, until applied)', size, metric: 'wall time', unit: 's', ferry: m.ferry.change, baselineName: `${fluxName}, source then Kustomization requested`, baseline: m.flux.change },
      { scenario: 'vs Flux: one object changed', size, metric: 'write requests (the request annotations and status included)', unit: 'count', ferry: m.ferry.changeWrites, baselineName: fluxName, baseline: m.flux.changeWrites },
      { scenario: `vs Flux: commit-to-applied, polling every ${pollIntervalSeconds} s`, size, metric: 'time', unit: 's', ferry: m.ferry.poll, baselineName: fluxName, baseline: m.flux.poll },
      { scenario: 'vs Flux: whole life (first sync, drift checks, changes, polling)', size, metric: 'peak RSS', unit: 'MB', ferry: [ferryPeak], baselineName: `${fluxName}, both together (${fluxPeaks.map((x) => x.toFixed(0)).join(' + ')} MB)`, baseline: [fluxPeaks[0] + fluxPeaks[1]] },
    ];
  } finally {
    await stopBoth();
    // Nobody is left to remove the finalizers: drop them, or the namespaces never go.
    await kubectl(kubeconfig, ['patch', 'sync', 'bench', '-n', ferryNs, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => {});
    for (const kind of ['kustomization', 'gitrepository']) await kubectl(kubeconfig, ['patch', kind, 'bench', '-n', fluxNs, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']).catch(() => {});
    await deleteNamespace(kube, kubeconfig, fluxNs).catch((e) => progress.log(`teardown: ${e.message}`));
    await deleteNamespace(kube, kubeconfig, ferryNs).catch((e) => progress.log(`teardown: ${e.message}`));
  }
}
