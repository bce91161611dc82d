// Flux for the bench: builds it on demand (install-flux.sh, cached under ~/.cache/ferry/flux) and runs
// source-controller and kustomize-controller out of cluster against the test control plane, as a
// real install would run them minus the Pods: admin kubeconfig in KUBECONFIG (they have no
// --kubeconfig flag), leader election off, every namespace watched, loopback ports only.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForCrd } from '@ferry/testenv';
import { kubectl } from '../lib/cluster-helpers.mjs';
import { peakMbOf } from '../lib/processes.mjs';

export const fluxVersion = process.env.FERRY_FLUX_VERSION ?? '1.9.6';
const installScript = fileURLToPath(new URL('./install-flux.sh', import.meta.url));

/**
 * Builds Flux unless cached. Resolves { dir } or { error } with the reason it cannot be built, taken
 * from the script's own last "install-flux:" line (it says which step failed).
 */
export function installFlux(progress) {
  return new Promise((resolve) => {
    const child = spawn(installScript, [], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let reason = '';
    const onData = (d) => {
      tail = (tail + d).slice(-4000);
      for (const line of String(d).split('\n')) if (line.startsWith('install-flux:')) {
        reason = line.slice('install-flux:'.length).trim();
        progress.log(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => resolve({ error: `cannot run ${installScript}: ${e.message}` }));
    child.on('close', (code) => {
      if (code === 0) return resolve({ dir: fluxCacheDir() });
      resolve({ error: `install-flux.sh exited ${code}: ${reason || tail.trim().split('\n').pop()}` });
    });
  });
}

/** Flux's CRDs (GitRepository, Kustomization and the rest the build ships), applied and Established. */
export async function applyFluxCrds(kubeconfig, dir) {
  await kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', join(dir, 'crds')]);
  for (const name of ['gitrepositories.source.toolkit.fluxcd.io', 'kustomizations.kustomize.toolkit.fluxcd.io']) await waitForCrd(kubeconfig, name);
}

export function fluxCacheDir() {
  return join(process.env.FERRY_CACHE_DIR ?? join(homedir(), '.cache', 'ferry'), 'flux', `v${fluxVersion}`);
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startController(dir, name, args, { kubeconfig, namespace, logFile }) {
  const log = createWriteStream(logFile);
  // FERRY_BENCH_FLUX_ARGS: extra flags for both controllers (e.g. --kube-api-qps=500 --kube-api-burst=1000), to see
  // how much of a figure Flux's shipped client defaults decide.
  const extra = (process.env.FERRY_BENCH_FLUX_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(join(dir, name), ['--enable-leader-election=false', '--watch-all-namespaces=true', '--log-level=info', ...args, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR ?? '/tmp', KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: namespace },
  });
  let recent = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log, { end: false });
    stream.on('data', (d) => (recent = (recent + d).slice(-4000)));
  }
  let exitedEarly;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => resolve({ error: error.message }));
  });
  exited.then((r) => (exitedEarly = r));
  return {
    name,
    pid: child.pid,
    exited: () => exitedEarly,
    /** Its last lines of output, for an error message. */
    tail: () => recent.trim().split('\n').slice(-3).join(' / ').slice(-1500) || '(no output)',
    peakMb: () => peakMbOf(child.pid),
    async stop() {
      if (!exitedEarly) child.kill('SIGTERM');
      await exited;
      await new Promise((resolve) => log.end(resolve));
    },
  };
}

/** Both controllers, up and answering their health endpoints; `scratch`: a fresh directory for their storage and logs. */
export async function startFlux({ dir, kubeconfig, namespace, scratch }) {
  const storage = join(scratch, 'flux-storage');
  await mkdir(storage, { recursive: true });
  const [storagePort, m1, h1, m2, h2] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const common = { kubeconfig, namespace };
  const source = await startController(dir, 'source-controller', [
    `--storage-path=${storage}`, `--storage-addr=127.0.0.1:${storagePort}`, `--storage-adv-addr=127.0.0.1:${storagePort}`,
    `--metrics-addr=127.0.0.1:${m1}`, `--health-addr=127.0.0.1:${h1}`,
  ], { ...common, logFile: join(scratch, 'source-controller.log') });
  const kustomize = await startController(dir, 'kustomize-controller', [`--metrics-addr=127.0.0.1:${m2}`, `--health-addr=127.0.0.1:${h2}`],
    { ...common, logFile: join(scratch, 'kustomize-controller.log') });
  const controllers = [source, kustomize];
  const ready = async (port) => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const dead = controllers.find((c) => c.exited());
    if (dead) {
      await Promise.all(controllers.map((c) => c.stop()));
      throw new Error(`${dead.name} exited ${JSON.stringify(dead.exited())}: ${dead.tail()}`);
    }
    if ((await ready(h1)) && (await ready(h2))) break;
    if (Date.now() > deadline) {
      await Promise.all(controllers.map((c) => c.stop()));
      throw new Error(`Flux controllers not ready within 60 s: ${(await Promise.all(controllers.map(async (c) => `${c.name}: ${c.tail()}`))).join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    controllers,
    logs: { source: join(scratch, 'source-controller.log'), kustomize: join(scratch, 'kustomize-controller.log') },
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
    },
  };
}
