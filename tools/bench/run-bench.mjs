#!/usr/bin/env node
// `npm run bench`: Ferry against native git and kubectl, in one run, one report. Not a test.
// Scenarios: promote (ferry promote --push direct vs native git), agent (ferry-agent sync vs kubectl
// apply --server-side and git ls-remote), latency (commit-to-applied with webhook and polling),
// fleet (many Syncs in one agent), flux (Flux's controllers, built from Go modules here, beside
// ferry-agent run; with fleet also selected, Flux on the fleet's shape too).
// Progress goes to stderr; the Markdown report is written to bench-results/report.md and printed.
// Flags: see `--help` and docs/benchmarks.md.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kubectlPath, kubernetesVersion, startControlPlane, startGitServer } from '@ferry/testenv';
import { connectKube } from './lib/kube-api.mjs';
import { createProgress } from './lib/progress.mjs';
import { commandVersion } from './lib/processes.mjs';
import { runAgentScenario } from './scenarios/agent-sync.mjs';
import { runLatencyScenario } from './scenarios/latency.mjs';
import { runPromoteScenario } from './scenarios/promote.mjs';
import { runFleetScenario } from './scenarios/fleet.mjs';
import { runFluxScenario } from './scenarios/flux.mjs';
import { formatReport } from './src/format-report.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scenarioNames = ['promote', 'agent', 'latency', 'fleet', 'flux'];
const usage = `Usage: npm run bench -- [flags]

  --runs N               measured runs of every figure (default 5; --quick: 2)
  --quick                a fast smoke pass: small sizes, 2 runs, 3 s polling interval
  --only LIST            scenarios to run, comma-separated: ${scenarioNames.join(',')} (default all)
  --promote-sizes LIST   files in the promoter's config repos (default 300,3000,30000; --quick: 300)
  --agent-sizes LIST     objects the agent syncs (default 1000,5000; --quick: 200); flux: the first size
  --poll-interval SEC    the polling Sync's spec.interval in the latency scenario, and Ferry's and Flux's
                         in the flux scenario (default 10; --quick: 3)
  --fleet-syncs N        Syncs of 20 objects in one agent, 20 per repository (default 500; --quick: 40);
                         their interval is 30 s (--quick: 5 s). With flux also selected, Flux syncs the
                         same repositories (a Kustomization per Sync) as the fleet's baseline
  --out FILE             where the report goes (default bench-results/report.md)
  -h, --help
`;

function parseFlags(argv) {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      runs: { type: 'string' }, quick: { type: 'boolean' }, only: { type: 'string' },
      'promote-sizes': { type: 'string' }, 'agent-sizes': { type: 'string' }, 'poll-interval': { type: 'string' }, 'fleet-syncs': { type: 'string' },
      out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  const fail = (message) => {
    throw new Error(`${message}\n\n${usage}`);
  };
  const positive = (name, text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${text}`);
    return n;
  };
  const list = (name, text) => text.split(',').map((x) => positive(name, x.trim()));
  const quick = values.quick ?? false;
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : scenarioNames;
  for (const s of only) if (!scenarioNames.includes(s)) fail(`--only: unknown scenario ${s} (choose from ${scenarioNames.join(', ')})`);
  return {
    quick,
    only,
    runs: values.runs ? positive('runs', values.runs) : quick ? 2 : 5,
    promoteSizes: values['promote-sizes'] ? list('promote-sizes', values['promote-sizes']) : quick ? [300] : [300, 3000, 30000],
    agentSizes: values['agent-sizes'] ? list('agent-sizes', values['agent-sizes']) : quick ? [200] : [1000, 5000],
    pollIntervalSeconds: values['poll-interval'] ? positive('poll-interval', values['poll-interval']) : quick ? 3 : 10,
    fleetSyncs: values['fleet-syncs'] ? positive('fleet-syncs', values['fleet-syncs']) : quick ? 40 : 500,
    out: resolve(values.out ?? join(root, 'bench-results', 'report.md')),
  };
}

async function main(argv) {
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    process.stderr.write(`bench: ${error.message}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(usage);
    return 0;
  }
  const progress = createProgress();
  const startedAt = new Date();
  const loadBefore = loadavg()[0];
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
  const cleanups = [];
  const rows = [];
  try {
    progress.step('setup', 'starting the git server');
    const git = await startGitServer();
    cleanups.push(() => git.close());
    let cp;
    let kube;
    if (['agent', 'latency', 'fleet', 'flux'].some((s) => flags.only.includes(s))) {
      progress.step('setup', 'starting the control plane (etcd, kube-apiserver, kube-controller-manager)');
      cp = await startControlPlane();
      cleanups.push(() => cp.stop());
      kube = await connectKube(cp.kubeconfigPath);
    }
    const ctx = { git, cp, kube, scratch, runs: flags.runs, progress };
    if (flags.only.includes('promote')) rows.push(...(await runPromoteScenario({ ...ctx, sizes: flags.promoteSizes })));
    if (flags.only.includes('agent')) {
      const idleBefore = await kube.requestCounts();
      await new Promise((r) => setTimeout(r, 2000));
      const idle = (await kube.requestCounts()).writes - idleBefore.writes;
      progress.log(`API server writes by other clients in a 2 s idle window: ${idle}`);
      rows.push(...(await runAgentScenario({ ...ctx, sizes: flags.agentSizes })));
    }
    if (flags.only.includes('latency')) rows.push(...(await runLatencyScenario({ ...ctx, pollIntervalSeconds: flags.pollIntervalSeconds })));
    if (flags.only.includes('fleet')) {
      rows.push(...(await runFleetScenario({ ...ctx, syncs: flags.fleetSyncs, objects: 20, perRepo: 20, intervalSeconds: flags.quick ? 5 : 30, flux: flags.only.includes('flux') })));
    }
    // Flux is built here (tools/bench/flux/install-flux.sh, cached), never by npm test or npm ci.
    if (flags.only.includes('flux')) rows.push(...(await runFluxScenario({ ...ctx, n: flags.agentSizes[0], pollIntervalSeconds: flags.pollIntervalSeconds })));
  } finally {
    progress.step('teardown', 'stopping servers');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => progress.log(`teardown: ${e.message}`));
    await rm(scratch, { recursive: true, force: true });
    progress.stop();
  }
  const minutes = (progress.elapsedMs() / 60_000).toFixed(1);
  const cpu = cpus();
  const conditions = [
    `${startedAt.toISOString()}, ${minutes} min in all; flags: ${argv.length ? argv.join(' ') : '(defaults)'}; ${flags.runs} runs per figure`,
    `machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; 1-min load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
    `node ${process.version}, ${await commandVersion('git', ['--version'])}, kubectl ${(await commandVersion(kubectlPath(), ['version', '--client'])).replace('Client Version: ', '')}, kube-apiserver v${kubernetesVersion} (etcd + kube-apiserver + kube-controller-manager on loopback)`,
  ];
  const notes = [
    'median (min–max) over the runs; the ratio is Ferry\'s median over the baseline\'s (below 1 = Ferry is faster / smaller).',
    'write requests: counted by the API server itself (apiserver_request_total before and after each run; dry-run requests and the API server\'s own Lease/Endpoints heartbeats excluded), the same way for both sides.',
    'peak RSS: GNU time\'s maximum resident set of the largest process (for native git: the largest git process).',
    'what each row means: docs/benchmarks.md.',
  ];
  const report = formatReport({ conditions, rows, notes });
  await mkdir(dirname(flags.out), { recursive: true });
  await writeFile(flags.out, report);
  // Every run's figures, so a report can be re-rendered or compared later.
  const raw = flags.out.replace(/\.md$/, '') + '.json';
  await writeFile(raw, `${JSON.stringify({ conditions, rows }, null, 1)}\n`);
  process.stdout.write(`${report}\nreport written to ${flags.out} (every run's figures: ${raw})\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`\nbench failed: ${error.stack ?? error}\n`);
  return 1;
});
