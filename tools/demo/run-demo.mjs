#!/usr/bin/env node
// `npm run demo`: Ferry's hybrid flow on this machine, end to end, with the tools/ environment:
// a real control plane (with simulated nodes so pods become Ready), the real git http-backend and
// the GitHub stand-in, `ferry-agent run` as a separate process reporting commit statuses, and "CI"
// running the real `ferry` CLI: promote with --auto-merge --wait-live, status, rollback. Prints a
// timeline; everything is stopped at the end (also on Ctrl-C or failure).
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath, startControlPlane, startEmulatorWorld } from '../testenv/dist/index.js';

// `npm run demo -- --forge gitea`: the same timeline against a real Gitea (run-demo-gitea.mjs; it exits).
const forgeAt = process.argv.indexOf('--forge');
const forge = forgeAt === -1 ? 'github' : process.argv[forgeAt + 1];
if (forge === 'gitea') await import('./run-demo-gitea.mjs');
else if (forge !== 'github') {
  process.stderr.write(`npm run demo: --forge must be github or gitea, not "${forge}"\n`);
  process.exit(2);
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const ferryBin = join(root, 'apps/cli/bin/ferry.js');
const agentBin = join(root, 'apps/agent/bin/ferry-agent.js');
const CI_TOKEN = 'ghp_democitokendemocitokendemoci00000';
const STATUS_TOKEN = 'ghp_demostatustokendemostatustoken000';
const CLUSTER = 'demo';
const started = Date.now();
const cleanups = [];

function say(who, message) {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`${t}s  ${who.padEnd(6)} ${message}\n`);
}

/** Runs a command, streaming its stderr lines into the timeline; resolves with exit code and stdout. */
function run(who, command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let buffer = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      buffer += d;
      for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
        say(who, buffer.slice(0, i).replace(/^ferry \w+: /, ''));
        buffer = buffer.slice(i + 1);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function seedFromExamples() {
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
    '# Promotion config (docs/ferry-yaml.md)',
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

/**
 * Prints each commit status the agent posts (pending while applying, then success or failure) the
 * moment the stand-in records it, before anyone can read it: the timeline shows "applied" and
 * "healthy" strictly before CI can report the revision live.
 */
function watchStatuses(github) {
  github.onStatus((s) => {
    if (s.repo === 'acme/config') say('github', `status ${s.context} ${s.state}: ${s.description}`);
  });
}

async function stopAll() {
  while (cleanups.length) {
    const cleanup = cleanups.pop();
    await cleanup().catch((error) => say('demo', `cleanup failed: ${error.message}`));
  }
}

async function main() {
  say('demo', 'starting a Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok nodes)');
  const cluster = await startControlPlane({ nodeSimulation: true });
  cleanups.push(() => cluster.stop());
  say('demo', `control plane ready at ${cluster.server}`);

  const world = await startEmulatorWorld({ tokens: [CI_TOKEN, STATUS_TOKEN] });
  cleanups.push(() => world.close());
  const { url: repoUrl } = await world.git.createRepo('acme/config', { seed: await seedFromExamples() });
  say('demo', `git server and GitHub stand-in ready; config repo ${repoUrl} seeded from examples/kustomize-app`);

  // The cluster side: CRD, namespace and a Sync, then the agent as its own process.
  const kubectl = kubectlPath();
  await cluster.kubectl(['apply', '--server-side', '-f', join(root, 'packages/agent/crds/syncs.ferry.dev.yaml')]);
  await cluster.kubectl(['wait', '--for=condition=Established', 'crd/syncs.ferry.dev', '--timeout=60s']);
  await cluster.kubectl(['create', 'namespace', 'demo']);
  const sync = { apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'web', namespace: 'demo' }, spec: { url: repoUrl, path: 'examples/kustomize-app/overlays/staging', namespace: 'demo', interval: '3s', timeout: '90s' } };
  await cluster.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(sync) });
  watchStatuses(world.github);
  const agent = spawn(process.execPath, [agentBin, 'run', '--kubeconfig', cluster.kubeconfigPath, '--cluster', CLUSTER, '--status-api-url', world.github.url,
    '--metrics-addr', 'off', '--leader-elect', 'false', '--log-level', 'warn'], {
    env: { ...process.env, FERRY_STATUS_TOKEN: STATUS_TOKEN, FERRY_KUBECTL: kubectl }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const agentExit = new Promise((resolve) => agent.on('close', resolve));
  agent.stderr.on('data', (d) => String(d).trimEnd().split('\n').forEach((line) => say('agent', line)));
  cleanups.push(async () => {
    agent.kill('SIGTERM');
    await agentExit;
    say('agent', 'stopped');
  });
  say('agent', `ferry-agent run (pid ${agent.pid}) watching Syncs; reports commit statuses as ferry/${CLUSTER}/demo/web`);

  // Wait for the first sync, through the same API CI uses.
  const ci = { FERRY_GITHUB_TOKEN: CI_TOKEN };
  const api = ['--repo', repoUrl, '--github-api-url', world.github.url];
  const first = await run('ci', ferryBin, ['status', ...api, '--env', 'staging', '--json'], ci);
  const head = JSON.parse(first.stdout).head;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(`${world.github.url}/repos/acme/config/commits/${head}/status`, { headers: { authorization: `token ${CI_TOKEN}` } });
    const state = (await res.json()).statuses.find((s) => s.context === `ferry/${CLUSTER}/demo/web`)?.state;
    if (state === 'success') break;
    if (state === 'failure') throw new Error('the first sync failed; see the agent lines above');
    if (Date.now() > deadline) throw new Error('the agent did not report the first sync within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  say('agent', `initial revision ${head.slice(0, 12)} applied and healthy (web 1.1.0)`);

  say('ci', 'build finished: ghcr.io/acme/web:1.2.0 -> ferry promote --auto-merge --wait-live');
  const promoted = await run('ci', ferryBin, ['promote', ...api, '--env', 'staging', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0',
    '--source-commit', 'c0ffee1', '--auto-merge', '--wait-live', '--clusters', CLUSTER, '--timeout', '3m'], ci);
  for (const line of promoted.stdout.trim().split('\n')) say('ci', line);
  if (promoted.code !== 0) throw new Error(`ferry promote exited ${promoted.code}`);
  const image = await cluster.kubectl(['get', 'deployment', 'staging-web', '-n', 'demo', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.status.availableReplicas}/{.spec.replicas} available']);
  say('kube', `deployment demo/staging-web: ${image}`);

  const status = await run('ci', ferryBin, ['status', ...api, '--env', 'staging'], ci);
  process.stdout.write(`\n${status.stdout}\n`);

  say('ci', '1.2.0 misbehaves: ferry rollback --wait-live (previous version from the Ferry-* trailers, hold in ferry.yaml)');
  const rolled = await run('ci', ferryBin, ['rollback', ...api, '--env', 'staging', '--app', 'web', '--reason', 'demo: 1.2.0 rolled back',
    '--by', 'oncall', '--auto-merge', '--wait-live', '--clusters', CLUSTER, '--timeout', '3m'], ci);
  for (const line of rolled.stdout.trim().split('\n')) say('ci', line);
  if (rolled.code !== 0) throw new Error(`ferry rollback exited ${rolled.code}`);
  say('kube', `deployment demo/staging-web: ${await cluster.kubectl(['get', 'deployment', 'staging-web', '-n', 'demo', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])}`);

  const held = await run('ci', ferryBin, ['promote', ...api, '--env', 'staging', '--app', 'web', '--image', 'ghcr.io/acme/web:1.3.0', '--auto-merge'], ci);
  say('ci', `a later build (1.3.0) is held back: exit ${held.code}: ${held.stdout.trim()}`);
  if (held.code !== 4) throw new Error(`expected the hold to refuse 1.3.0 (exit 4), got ${held.code}`);
  // Every exchange above was validated against GitHub's API description: any disagreement fails the demo.
  world.github.assertNoViolations();
}

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
  } else say('demo', 'done: PR opened, merged, applied, healthy; rolled back and held');
} catch (error) {
  say('demo', `FAILED: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await stopAll();
  say('demo', 'everything stopped');
}
process.exit(exitCode);
