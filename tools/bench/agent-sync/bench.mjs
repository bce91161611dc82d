#!/usr/bin/env node
// Benchmark: the Ferry agent vs `kubectl apply --server-side` on the same objects, against a real
// kube-apiserver + etcd (tools/testenv) and a real git http-backend. Not a test: it prints figures.
//
//   npx tsc -b tools/testenv packages/agent apps/agent && node tools/bench/agent-sync/bench.mjs [--sizes 1000,5000]
//
// Scenarios per size N (N ConfigMaps in one directory of a Git repository):
//   first sync, no-op sync (head unchanged), forced no-op (render + dry-run, must write nothing),
//   one changed object; kubectl: first apply, re-apply, apply after the same one change.
// The agent runs as the real CLI in a child process under /usr/bin/time (wall time, peak RSS);
// write requests come from the agent's own request counter (--json) and from kubectl -v=6 logs.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { kubectlPath, startControlPlane, startGitServer } from '@ferry/testenv';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const agentBin = join(root, 'apps/agent/bin/ferry-agent.js');
const profileDir = process.argv.includes('--cpu-prof') ? process.argv[process.argv.indexOf('--cpu-prof') + 1] : undefined;
// --agent-only: skip the kubectl side (a quicker run when only the agent's own figures are needed).
const agentOnly = process.argv.includes('--agent-only');
// --agent-node-options "...": NODE_OPTIONS for the agent processes (e.g. heap sizing experiments).
const agentNodeOptions = process.argv.includes('--agent-node-options') ? process.argv[process.argv.indexOf('--agent-node-options') + 1] : undefined;
const sizes = (process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1] : '1000,5000').split(',').map(Number);
const gitEnv = { PATH: process.env.PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@ferry.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@ferry.invalid' };

function configMap(i, version = 1) {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${String(i).padStart(5, '0')}\n  labels:\n    app: bench\ndata:\n  index: "${i}"\n  version: "${version}"\n  payload: "${'x'.repeat(200)}"\n`;
}

async function writeObjects(dir, n, changed = -1) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) await writeFile(join(dir, `cm-${String(i).padStart(5, '0')}.yaml`), configMap(i, i === changed ? 2 : 1));
}

async function commitDir(work, bare, message) {
  const git = (...args) => run('git', args, { cwd: work, env: gitEnv, maxBuffer: 1 << 26 });
  await git('add', '-A', '.');
  await git('commit', '-q', '-m', message);
  await git('push', '-q', bare, 'HEAD:refs/heads/main');
}

/** Runs a command under /usr/bin/time; returns wall seconds, peak RSS (MB), stdout, stderr. */
function timed(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M', cmd, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /__TIME__ ([\d.]+) (\d+)/.exec(stderr);
      resolve({ code, seconds: Number(m?.[1] ?? NaN), peakMb: Math.round(Number(m?.[2] ?? 0) / 1024), stdout, stderr });
    });
  });
}

async function agent(kubeconfig, url, ns, cacheDir, extra = [], profile = false) {
  // The bin runs as users run it (its shebang carries the agent's Node flags), unless profiling.
  const [cmd, ...pre] = profile && profileDir ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', profileDir, agentBin] : [agentBin];
  const r = await timed(cmd, [...pre, 'sync', '--once', '--url', url, '--path', 'objects', '--namespace', ns, '--state-namespace', ns,
    '--name', 'bench', '--kubeconfig', kubeconfig, '--cache-dir', cacheDir, '--json', '--health-timeout', '30s', ...extra], agentNodeOptions ? { NODE_OPTIONS: agentNodeOptions } : {});
  if (r.code !== 0) throw new Error(`agent exited ${r.code}: ${r.stdout.slice(0, 2000)} ${r.stderr.slice(0, 2000)}`);
  const report = JSON.parse(r.stdout);
  const sync = report.syncs[0];
  const objectWrites = sync.changes.filter((c) => c.action !== 'unchanged').length + sync.prune.deleted.length;
  return { seconds: r.seconds, inProcessSeconds: sync.durationMs / 1000, peakMb: r.peakMb, outcome: sync.outcome, writes: report.requests.writes, objectWrites, dryRuns: report.requests.dryRuns, reads: report.requests.reads };
}

async function kubectlApply(kubeconfig, dir, ns) {
  if (agentOnly) return { seconds: NaN, peakMb: NaN, writes: NaN };
  const r = await timed(kubectlPath(), ['--kubeconfig', kubeconfig, 'apply', '--server-side', '--field-manager=bench-kubectl', '-n', ns, '-f', dir, '-v=6']);
  if (r.code !== 0) throw new Error(`kubectl exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const writes = (r.stderr.match(/verb="(PATCH|POST|PUT|DELETE)"|\b(PATCH|POST|PUT|DELETE) https?:\/\//g) ?? []).length;
  return { seconds: r.seconds, peakMb: r.peakMb, writes };
}

async function lsRemote(url) {
  const start = process.hrtime.bigint();
  await run('git', ['ls-remote', url, 'refs/heads/main'], { env: gitEnv });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = [];
const cp = await startControlPlane();
const git = await startGitServer();
const scratch = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
try {
  for (const n of sizes) {
    const agentNs = `bench-agent-${n}`;
    const kubectlNs = `bench-kubectl-${n}`;
    await run(kubectlPath(), ['--kubeconfig', cp.kubeconfigPath, 'create', 'namespace', agentNs]);
    await run(kubectlPath(), ['--kubeconfig', cp.kubeconfigPath, 'create', 'namespace', kubectlNs]);
    const repo = await git.createRepo(`bench/config-${n}`);
    const work = join(scratch, `work-${n}`);
    await mkdir(work, { recursive: true });
    await run('git', ['init', '-q', '-b', 'main'], { cwd: work, env: gitEnv });
    await writeObjects(join(work, 'objects'), n);
    await commitDir(work, repo.path, 'initial');
    const cacheDir = join(scratch, `cache-${n}`);
    const row = { n };
    row.agentFirst = await agent(cp.kubeconfigPath, repo.url, agentNs, cacheDir, [], true);
    row.kubectlFirst = await kubectlApply(cp.kubeconfigPath, join(work, 'objects'), kubectlNs);
    const noops = [];
    for (let i = 0; i < 5; i++) noops.push(await agent(cp.kubeconfigPath, repo.url, agentNs, cacheDir));
    row.agentNoop = { ...noops[0], seconds: median(noops.map((x) => x.seconds)) };
    const ls = [];
    for (let i = 0; i < 5; i++) ls.push(await lsRemote(repo.url));
    row.gitLsRemoteSeconds = median(ls);
    row.agentForcedNoop = await agent(cp.kubeconfigPath, repo.url, agentNs, cacheDir, ['--force']);
    row.kubectlReapply = await kubectlApply(cp.kubeconfigPath, join(work, 'objects'), kubectlNs);
    await writeObjects(join(work, 'objects'), n, Math.floor(n / 2));
    await commitDir(work, repo.path, 'one change');
    row.agentOneChange = await agent(cp.kubeconfigPath, repo.url, agentNs, cacheDir);
    row.kubectlOneChange = await kubectlApply(cp.kubeconfigPath, join(work, 'objects'), kubectlNs);
    results.push(row);
    console.error(JSON.stringify(row));
  }
} finally {
  await git.close();
  await cp.stop();
  await rm(scratch, { recursive: true, force: true });
}

const startup = await timed(process.execPath, ['-e', '0']);
const lines = [
  `node startup alone: ${startup.seconds} s; "in-process" = the reconcile itself, without process start and module loading`,
  '',
  '| objects | scenario | ferry-agent (s) | agent writes (objects + bookkeeping) | agent peak RSS (MB) | kubectl --server-side (s) | kubectl writes |',
  '|---|---|---|---|---|---|---|',
];
for (const r of results) {
  const w = (a) => `${a.writes} (${a.objectWrites} + ${a.writes - a.objectWrites})`;
  lines.push(`| ${r.n} | first sync | ${r.agentFirst.seconds} (in-process ${r.agentFirst.inProcessSeconds}) | ${w(r.agentFirst)} | ${r.agentFirst.peakMb} | ${r.kubectlFirst.seconds} | ${r.kubectlFirst.writes} |`);
  lines.push(`| ${r.n} | no-op, head unchanged | ${r.agentNoop.seconds} (in-process ${r.agentNoop.inProcessSeconds}; git ls-remote: ${r.gitLsRemoteSeconds.toFixed(3)}) | ${w(r.agentNoop)} | ${r.agentNoop.peakMb} | ${r.kubectlReapply.seconds} | ${r.kubectlReapply.writes} |`);
  lines.push(`| ${r.n} | no-op, --force (dry-run all) | ${r.agentForcedNoop.seconds} | ${w(r.agentForcedNoop)} | ${r.agentForcedNoop.peakMb} | | |`);
  lines.push(`| ${r.n} | one object changed | ${r.agentOneChange.seconds} | ${w(r.agentOneChange)} | ${r.agentOneChange.peakMb} | ${r.kubectlOneChange.seconds} | ${r.kubectlOneChange.writes} |`);
}
const out = join(root, 'bench-results', 'agent-sync.json');
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
console.log(lines.join('\n'));
console.log(`\nraw figures: ${out}`);
