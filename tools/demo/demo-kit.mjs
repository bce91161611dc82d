// What the two demos share (run-demo.mjs against the git server and the GitHub stand-in,
// run-demo-gitea.mjs against a real Gitea): the timeline printer, the commands CI runs, the config
// repository seeded from examples/kustomize-app, the control plane with the agent as its own
// process, and the run that stops everything at the end (also on Ctrl-C or failure). Each demo
// brings its forge and what it prints from it.
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath, startControlPlane, waitForCrd } from '../testenv/dist/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ferryBin = join(root, 'apps/cli/bin/ferry.js');
const agentBin = join(root, 'apps/agent/bin/ferry-agent.js');
export const CLUSTER = 'demo';
/** The commit status context the agent reports the demo's Sync under. */
export const CONTEXT = `ferry/${CLUSTER}/demo/web`;
const started = Date.now();
const cleanups = [];

/** One timeline line: seconds since the demo started, who, what. */
export function say(who, message) {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`${t}s  ${who.padEnd(6)} ${message}\n`);
}

/** Runs the `ferry` CLI, streaming its stderr lines into the timeline; resolves with exit code and stdout. */
function ferry(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ferryBin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let buffer = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      buffer += d;
      for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
        say('ci', buffer.slice(0, i).replace(/^ferry \w+: /, ''));
        buffer = buffer.slice(i + 1);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** The config repository's files: examples/kustomize-app and a ferry.yaml starting with `head` (comment and settings lines). */
export async function seedFromExamples(head) {
  const files = {};
  const walk = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files[relative(root, path)] = await readFile(path, 'utf8');
    }
  };
  await walk(join(root, 'examples/kustomize-app'));
  files['ferry.yaml'] = [
    ...head,
    'environments:',
    '  staging: { branch: main, autoMerge: true }',
    'apps:',
    '  web:',
    '    image: ghcr.io/acme/web',
    '    environments:',
    '      staging:',
    '        files: [examples/kustomize-app/overlays/staging/kustomization.yaml]',
    '',
  ].join('\n');
  return files;
}

/** Runs `cleanup` when the demo stops (the last registered first). */
export function onStop(cleanup) {
  cleanups.push(cleanup);
}

/** A control plane with simulated nodes, so pods become Ready; stopped with the demo. */
export async function startCluster() {
  say('demo', 'starting a Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)');
  const cluster = await startControlPlane({ nodeSimulation: true });
  onStop(() => cluster.stop());
  say('demo', `control plane ready at ${cluster.server}`);
  return cluster;
}

/**
 * The cluster side: the CRD, namespace demo and a Sync of the staging overlay at `repoUrl`, then
 * `ferry-agent run` as its own process with `agentArgs` and `env` (its status token); its stderr
 * goes into the timeline, and it is stopped with the demo. Returns its pid.
 */
export async function startAgent(cluster, { repoUrl, agentArgs, env }) {
  await cluster.kubectl(['apply', '--server-side', '-f', join(root, 'packages/agent/crds/syncs.ferry.dev.yaml')]);
  await waitForCrd(cluster.kubeconfigPath, 'syncs.ferry.dev');
  await cluster.kubectl(['create', 'namespace', 'demo']);
  const sync = { apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'web', namespace: 'demo' }, spec: { url: repoUrl, path: 'examples/kustomize-app/overlays/staging', namespace: 'demo', interval: '3s', timeout: '90s' } };
  await cluster.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(sync) });
  const agent = spawn(process.execPath, [agentBin, 'run', '--kubeconfig', cluster.kubeconfigPath, '--cluster', CLUSTER, ...agentArgs,
    '--metrics-addr', 'off', '--leader-elect', 'false', '--log-level', 'warn'], {
    env: { ...process.env, ...env, FERRY_KUBECTL: kubectlPath() }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const agentExit = new Promise((resolve) => agent.on('close', resolve));
  agent.stderr.on('data', (d) => String(d).trimEnd().split('\n').forEach((line) => say('agent', line)));
  onStop(async () => {
    agent.kill('SIGTERM');
    await agentExit;
    say('agent', 'stopped');
  });
  return agent.pid;
}

/**
 * CI's side of the timeline, the same on every forge: wait for the first sync (`stateOf(sha)` reads
 * the agent's latest status on a commit from the forge), promote 1.2.0 with --auto-merge --wait-live,
 * status, roll back with --wait-live, and a later build refused by the hold (exit 4). `api` are the
 * CLI's repository flags, `env` its token; `afterPromote(stdout)` prints what the forge shows then.
 */
export async function runCiTimeline(cluster, { api, env, stateOf, afterPromote = async () => {} }) {
  const first = await ferry(['status', ...api, '--env', 'staging', '--json'], env);
  if (first.code !== 0) throw new Error(`ferry status exited ${first.code}`);
  const head = JSON.parse(first.stdout).head;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const state = await stateOf(head);
    if (state === 'success') break;
    if (state === 'failure' || state === 'error') throw new Error('the first sync failed; see the agent lines above');
    if (Date.now() > deadline) throw new Error('the agent did not report the first sync within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  say('agent', `initial revision ${head.slice(0, 12)} applied and healthy (web 1.1.0)`);

  say('ci', 'build finished: ghcr.io/acme/web:1.2.0 -> ferry promote --auto-merge --wait-live');
  const promoted = await ferry(['promote', ...api, '--env', 'staging', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0',
    '--source-commit', 'c0ffee1', '--auto-merge', '--wait-live', '--clusters', CLUSTER, '--timeout', '3m'], env);
  for (const line of promoted.stdout.trim().split('\n')) say('ci', line);
  if (promoted.code !== 0) throw new Error(`ferry promote exited ${promoted.code}`);
  await afterPromote(promoted.stdout);
  const image = await cluster.kubectl(['get', 'deployment', 'staging-web', '-n', 'demo', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.status.availableReplicas}/{.spec.replicas} available']);
  say('kube', `deployment demo/staging-web: ${image}`);

  const status = await ferry(['status', ...api, '--env', 'staging'], env);
  process.stdout.write(`\n${status.stdout}\n`);

  say('ci', '1.2.0 misbehaves: ferry rollback --wait-live (previous version from the Ferry-* trailers, hold in ferry.yaml)');
  const rolled = await ferry(['rollback', ...api, '--env', 'staging', '--app', 'web', '--reason', 'demo: 1.2.0 rolled back',
    '--by', 'oncall', '--auto-merge', '--wait-live', '--clusters', CLUSTER, '--timeout', '3m'], env);
  for (const line of rolled.stdout.trim().split('\n')) say('ci', line);
  if (rolled.code !== 0) throw new Error(`ferry rollback exited ${rolled.code}`);
  say('kube', `deployment demo/staging-web: ${await cluster.kubectl(['get', 'deployment', 'staging-web', '-n', 'demo', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])}`);

  const held = await ferry(['promote', ...api, '--env', 'staging', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0', '--auto-merge'], env);
  say('ci', `a later build (1.3.0) is held back: exit ${held.code}: ${held.stdout.trim()}`);
  if (held.code !== 4) throw new Error(`expected the hold to refuse 1.3.0 (exit 4), got ${held.code}`);
}

/**
 * Runs `main` to the end, a failure or Ctrl-C, says `done` when it finished, stops everything
 * registered with onStop and exits (0, 1 on failure, 130 when interrupted).
 */
export async function runDemo(main, done) {
  let exitCode = 0;
  const interrupted = new Promise((resolve) => {
    process.once('SIGINT', () => resolve('interrupted'));
    process.once('SIGTERM', () => resolve('interrupted'));
  });
  try {
    const outcome = await Promise.race([main(), interrupted]);
    if (outcome === 'interrupted') {
      say('demo', 'interrupted');
      exitCode = 130;
    } else say('demo', done);
  } catch (error) {
    say('demo', `FAILED: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  } finally {
    while (cleanups.length) {
      const cleanup = cleanups.pop();
      await cleanup().catch((error) => say('demo', `cleanup failed: ${error.message}`));
    }
    say('demo', 'everything stopped');
  }
  process.exit(exitCode);
}
