// Scenario "promote": `ferry promote --push direct` against native git doing the same job (shallow
// clone, edit one image line, commit, push; and the same with a sparse checkout of the one file), on
// generated config repos of several sizes served by the real git http-backend. Each run alternates
// who goes first so neither side always meets a warm (or cold) server. First, the CLI's start-up:
// `ferry --help` against `node -e 0` (issue 14: at most 1.5x its CPU), whose peak RSS is also the
// baseline of the promotions' memory (at most 2x).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorkTree } from '../lib/cluster-helpers.mjs';
import { gitEnv, run, timedOk } from '../lib/processes.mjs';
import { median } from '../src/format-report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const ferryBin = join(here, '../../../apps/cli/bin/ferry.js');
const nativeScript = join(here, '../promote-direct/native-promote.sh');
const sparseScript = join(here, '../promote-direct/native-promote-sparse.sh');

/** A config repo shaped like a real one: many apps x environments, a few files each, plus ferry.yaml. */
export function generateConfigRepo(count) {
  const seed = {};
  const envs = ['dev', 'staging', 'prod'];
  const kinds = ['deployment.yaml', 'service.yaml', 'configmap.yaml', 'values.yaml', 'kustomization.yaml'];
  let i = 0;
  outer: for (let app = 0; ; app++) {
    for (const env of envs) {
      for (const kind of kinds) {
        if (i++ >= count - 1) break outer;
        const name = `app${app}`;
        seed[`envs/${env}/${name}/${kind}`] = kind === 'deployment.yaml'
          ? `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels: { app: ${name}, env: ${env} }\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ghcr.io/acme/${name}:1.0.0\n          resources: { requests: { cpu: 100m, memory: 128Mi } }\n`
          : `# ${kind} of ${name} in ${env}\nname: ${name}\nenv: ${env}\n${'filler: value\n'.repeat(8)}`;
      }
    }
  }
  seed['ferry.yaml'] = 'environments:\n  dev: { branch: main }\napps:\n  web:\n    image: ghcr.io/acme/app0\n    environments:\n      dev: { files: [envs/dev/app0/deployment.yaml] }\n';
  return seed;
}

/**
 * Measures every size; returns report rows. ctx: { git (server), scratch, runs, sizes, progress }.
 * Client CPU is user+sys of the command and its children (the server's git processes are not
 * counted for either side): the figure to trust on a busy machine.
 */
export async function runPromoteScenario({ git, scratch, runs, sizes, progress }) {
  const rows = [];
  const start = { ferry: [], node: [] };
  // Start-up is short and noisy: three times the runs, alternating who goes first.
  for (let i = 1; i <= runs * 3; i++) {
    for (const side of i % 2 ? ['ferry', 'node'] : ['node', 'ferry']) {
      progress.step('CLI start-up', side === 'ferry' ? 'ferry --help' : 'node -e 0', i, runs * 3);
      start[side].push(await timedOk(process.execPath, side === 'ferry' ? [ferryBin, '--help'] : ['-e', '0']));
    }
  }
  const startOf = (side, key) => start[side].map((r) => r[key]);
  const bareNode = 'node -e 0 (the same Node)';
  rows.push(
    { scenario: 'ferry --help', size: '—', metric: 'wall time', unit: 's', ferry: startOf('ferry', 'seconds'), baselineName: bareNode, baseline: startOf('node', 'seconds') },
    { scenario: 'ferry --help', size: '—', metric: 'CPU (user+sys)', unit: 's', ferry: startOf('ferry', 'cpu'), baselineName: bareNode, baseline: startOf('node', 'cpu') },
    { scenario: 'ferry --help', size: '—', metric: 'peak RSS', unit: 'MB', ferry: startOf('ferry', 'peakMb'), baselineName: bareNode, baseline: startOf('node', 'peakMb') },
  );
  progress.log(`ferry --help: ${median(startOf('ferry', 'cpu'))} s CPU, node -e 0 ${median(startOf('node', 'cpu'))} s (medians)`);
  for (const size of sizes) {
    const label = `promote ${size.toLocaleString('en')} files`;
    progress.step(label, 'creating repositories');
    const seed = generateConfigRepo(size);
    // Seeded here rather than by createRepo's seed: a commit of 30,000 files starts git's automatic gc,
    // which raced createRepo's removal of its temporary work tree (ENOTEMPTY).
    const ferry = await git.createRepo(`promote-${size}/ferry`);
    const work = await createWorkTree(join(scratch, `promote-seed-${size}`), ferry.path);
    for (const [file, content] of Object.entries(seed)) {
      await mkdir(dirname(join(work.dir, file)), { recursive: true });
      await writeFile(join(work.dir, file), content);
    }
    await work.commitAndPush('seed');
    await rm(work.dir, { recursive: true, force: true });
    // The baselines get the same commit, copied by a local push (seeding 30,000 files three times is slow).
    const copy = async (name) => {
      const repo = await git.createRepo(`promote-${size}/${name}`);
      await run('git', ['push', '-q', repo.path, 'main'], { cwd: ferry.path, env: gitEnv });
      return repo;
    };
    const repos = { ferry, native: await copy('native'), sparse: await copy('sparse') };
    // The server allows partial clone (filter), as GitHub, GitLab and Gitea do: Ferry then fetches no
    // blobs but those it reads, and the sparse baseline clones with --filter=blob:none.
    for (const repo of Object.values(repos)) await run('git', ['config', 'uploadpack.allowFilter', 'true'], { cwd: repo.path, env: gitEnv });
    const results = { ferry: [], native: [], sparse: [] };
    for (let i = 1; i <= runs; i++) {
      const image = `ghcr.io/acme/app0:1.0.${i}`;
      const order = i % 2 ? ['ferry', 'native', 'sparse'] : ['sparse', 'native', 'ferry'];
      for (const side of order) {
        progress.step(label, side === 'ferry' ? 'ferry promote --push direct' : `native git${side === 'sparse' ? ' (sparse)' : ''}`, i, runs);
        const r = side === 'ferry'
          ? await timedOk(process.execPath, [ferryBin, 'promote', '--repo', repos.ferry.url, '--env', 'dev', '--app', 'web', '--image', image, '--push', 'direct'], { env: { ...gitEnv, TMPDIR: scratch } })
          : await timedOk(side === 'native' ? nativeScript : sparseScript, [repos[side].url, 'envs/dev/app0/deployment.yaml', image, join(scratch, `${side}-${size}-${i}`)], { env: gitEnv });
        results[side].push(r);
      }
    }
    const pick = (side, key) => results[side].map((r) => r[key]);
    const sizeText = `${size.toLocaleString('en')} files`;
    const native = 'native git: clone --depth 1, sed, commit, push';
    rows.push(
      { scenario: 'promote --push direct', size: sizeText, metric: 'wall time', unit: 's', ferry: pick('ferry', 'seconds'), baselineName: native, baseline: pick('native', 'seconds') },
      { scenario: 'promote --push direct', size: sizeText, metric: 'client CPU (user+sys)', unit: 's', ferry: pick('ferry', 'cpu'), baselineName: native, baseline: pick('native', 'cpu') },
      { scenario: 'promote --push direct', size: sizeText, metric: 'peak RSS (largest process)', unit: 'MB', ferry: pick('ferry', 'peakMb'), baselineName: native, baseline: pick('native', 'peakMb') },
      { scenario: 'promote --push direct', size: sizeText, metric: 'peak RSS', unit: 'MB', ferry: pick('ferry', 'peakMb'), baselineName: bareNode, baseline: startOf('node', 'peakMb') },
      { scenario: 'promote --push direct', size: sizeText, metric: 'wall time', unit: 's', ferry: pick('ferry', 'seconds'), baselineName: 'native git, partial clone (blob:none) + sparse checkout of the one file', baseline: pick('sparse', 'seconds') },
      { scenario: 'promote --push direct', size: sizeText, metric: 'client CPU (user+sys)', unit: 's', ferry: pick('ferry', 'cpu'), baselineName: 'native git, partial clone (blob:none) + sparse checkout of the one file', baseline: pick('sparse', 'cpu') },
    );
    progress.log(`${label}: ferry ${median(pick('ferry', 'seconds'))} s, native ${median(pick('native', 'seconds'))} s (medians)`);
  }
  return rows;
}
