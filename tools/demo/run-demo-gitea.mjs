#!/usr/bin/env node
// `npm run demo -- --forge gitea`: the demo's timeline against a REAL Gitea (built from its Go module
// by the test environment) instead of the git server and the GitHub stand-in. A real control plane
// with simulated nodes, `ferry-agent run --forge gitea` as a separate process posting commit statuses
// to Gitea, and "CI" running the real `ferry` CLI: promote with --auto-merge --wait-live (Gitea's
// "merge when checks succeed"), status, rollback, a held build. The config repository's ferry.yaml
// says `forge: gitea`, so the CLI needs no --forge. Everything is stopped at the end (also on Ctrl-C
// or failure).
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath, startControlPlane, startGitea } from '../testenv/dist/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ferryBin = join(root, 'apps/cli/bin/ferry.js');
const agentBin = join(root, 'apps/agent/bin/ferry-agent.js');
const CLUSTER = 'demo';
const CONTEXT = `ferry/${CLUSTER}/demo/web`;
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
    '# Promotion config (docs/ferry-yaml.md): the repository lives on Gitea',
    'forge: gitea',
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

  const gitea = await startGitea();
  cleanups.push(() => gitea.close());
  const repo = await gitea.createRepo('config', { files: await seedFromExamples() });
  const repoPath = `/repos/${repo.fullName}`;
  // The agent's token: a plain user with write access to this repository (statuses), not the admin.
  const reporter = await gitea.createUser('ferry-agent');
  await gitea.api('PUT', `${repoPath}/collaborators/${reporter.username}`, { permission: 'write' });
  say('demo', `Gitea ${gitea.version} ready at ${gitea.url}; config repo ${repo.cloneUrl} seeded from examples/kustomize-app (ferry.yaml: forge: gitea)`);

  // The cluster side: CRD, namespace and a Sync, then the agent as its own process.
  const kubectl = kubectlPath();
  await cluster.kubectl(['apply', '--server-side', '-f', join(root, 'packages/agent/crds/syncs.ferry.dev.yaml')]);
  await cluster.kubectl(['wait', '--for=condition=Established', 'crd/syncs.ferry.dev', '--timeout=60s']);
  await cluster.kubectl(['create', 'namespace', 'demo']);
  const sync = { apiVersion: 'ferry.dev/v1alpha1', kind: 'Sync', metadata: { name: 'web', namespace: 'demo' }, spec: { url: repo.cloneUrl, path: 'examples/kustomize-app/overlays/staging', namespace: 'demo', interval: '3s', timeout: '90s' } };
  await cluster.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(sync) });
  const agent = spawn(process.execPath, [agentBin, 'run', '--kubeconfig', cluster.kubeconfigPath, '--cluster', CLUSTER, '--forge', 'gitea', '--status-api-url', gitea.url,
    '--metrics-addr', 'off', '--leader-elect', 'false', '--log-level', 'warn'], {
    env: { ...process.env, FERRY_STATUS_TOKEN: reporter.token, FERRY_KUBECTL: kubectl }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const agentExit = new Promise((resolve) => agent.on('close', resolve));
  agent.stderr.on('data', (d) => String(d).trimEnd().split('\n').forEach((line) => say('agent', line)));
  cleanups.push(async () => {
    agent.kill('SIGTERM');
    await agentExit;
    say('agent', 'stopped');
  });
  say('agent', `ferry-agent run --forge gitea (pid ${agent.pid}) watching Syncs; posts commit statuses to Gitea as ${CONTEXT}`);

  /** The agent's statuses on a commit as Gitea lists them, oldest first (Gitea names the state `status`). */
  const statuses = async (sha) => (await gitea.api('GET', `${repoPath}/commits/${sha}/statuses`)).filter((s) => s.context === CONTEXT).sort((a, b) => a.id - b.id);
  const showStatuses = async (sha) => {
    for (const s of await statuses(sha)) say('gitea', `status ${s.context} ${s.status}: ${s.description}`);
  };

  // Wait for the first sync, from the statuses the agent posts to Gitea.
  const ci = { FERRY_GITEA_TOKEN: gitea.admin.token };
  const api = ['--repo', repo.cloneUrl];
  const first = await run('ci', ferryBin, ['status', ...api, '--env', 'staging', '--json'], ci);
  if (first.code !== 0) throw new Error(`ferry status exited ${first.code}`);
  const head = JSON.parse(first.stdout).head;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const state = (await statuses(head)).at(-1)?.status;
    if (state === 'success') break;
    if (state === 'failure' || state === 'error') throw new Error('the first sync failed; see the agent lines above');
    if (Date.now() > deadline) throw new Error('the agent did not report the first sync within 120 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  say('agent', `initial revision ${head.slice(0, 12)} applied and healthy (web 1.1.0)`);

  say('ci', 'build finished: ghcr.io/acme/web:1.2.0 -> ferry promote --auto-merge --wait-live');
  const promoted = await run('ci', ferryBin, ['promote', ...api, '--env', 'staging', '--app', 'web', '--image', 'ghcr.io/acme/web:1.2.0',
    '--source-commit', 'c0ffee1', '--auto-merge', '--wait-live', '--clusters', CLUSTER, '--timeout', '3m'], ci);
  for (const line of promoted.stdout.trim().split('\n')) say('ci', line);
  if (promoted.code !== 0) throw new Error(`ferry promote exited ${promoted.code}`);
  const merge = /merge sha: ([0-9a-f]{40})/.exec(promoted.stdout)?.[1];
  if (merge) await showStatuses(merge);
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
  const pulls = await gitea.api('GET', `${repoPath}/pulls?state=all&sort=oldest`);
  for (const p of pulls) say('gitea', `pull request #${p.number} ${p.merged ? 'merged' : p.state}: ${p.title}`);
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
  } else say('demo', 'done (Gitea): PR opened, merged, applied, healthy; rolled back and held');
} catch (error) {
  say('demo', `FAILED: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await stopAll();
  say('demo', 'everything stopped');
}
process.exit(exitCode);
