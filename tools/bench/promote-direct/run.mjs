// Benchmark (not a test): `ferry promote --push direct` vs native git doing the same job, side by
// side in one run, against a generated 3,000-file config repo on the real git http-backend server.
// Run with `npm run bench:promote` (builds first). Options: --iterations N (default 7), --files N.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startGitServer } from '@ferry/testenv';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '7' }, files: { type: 'string', default: '3000' } } });
const iterations = Number(values.iterations);
const fileCount = Number(values.files);
const here = fileURLToPath(new URL('.', import.meta.url));
const ferryBin = join(here, '../../../apps/cli/bin/ferry.js');
const nativeScript = join(here, 'native-promote.sh');
const sparseScript = join(here, 'native-promote-sparse.sh');
const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };

/** A config repo shaped like a real one: many apps x environments, a few files each. */
function generateRepo(count) {
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
 * Runs a command under GNU time; returns wall seconds, client CPU seconds (user + sys of the command
 * and its children; the server's git processes are not included for either side) and peak RSS (KiB)
 * of its largest process. CPU time is the figure to trust on a busy machine.
 */
function timed(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !m) return reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
      resolve({ seconds: Number(m[1]), maxRssKiB: Number(m[2]), cpu: Number(m[3]) + Number(m[4]) });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const server = await startGitServer();
const scratch = await mkdtemp(join(tmpdir(), 'ferry-bench-'));
try {
  const seed = generateRepo(fileCount);
  const ferryRepo = await server.createRepo('bench/ferry', { seed });
  const nativeRepo = await server.createRepo('bench/native', { seed });
  const sparseRepo = await server.createRepo('bench/sparse', { seed });
  console.log(`repo: ${Object.keys(seed).length} files; ${iterations} iterations each, alternating; git ${await gitVersion()}; node ${process.version}`);
  const results = { ferry: [], native: [], sparse: [] };
  for (let i = 1; i <= iterations; i++) {
    const image = `ghcr.io/acme/app0:1.0.${i}`;
    // Alternate who goes first so neither side always meets a warm (or cold) server.
    const order = i % 2 ? ['ferry', 'native', 'sparse'] : ['sparse', 'native', 'ferry'];
    for (const side of order) {
      const r = side === 'ferry'
        ? await timed(process.execPath, [ferryBin, 'promote', '--repo', ferryRepo.url, '--env', 'dev', '--app', 'web', '--image', image, '--push', 'direct'], { ...gitEnv, TMPDIR: scratch })
        : side === 'native'
          ? await timed(nativeScript, [nativeRepo.url, 'envs/dev/app0/deployment.yaml', image, join(scratch, `native-${i}`)], gitEnv)
          : await timed(sparseScript, [sparseRepo.url, 'envs/dev/app0/deployment.yaml', image, join(scratch, `sparse-${i}`)], gitEnv);
      results[side].push(r);
      console.log(`  #${i} ${side.padEnd(6)} wall ${r.seconds.toFixed(2)} s  cpu ${r.cpu.toFixed(2)} s  ${(r.maxRssKiB / 1024).toFixed(0)} MiB`);
    }
  }
  const m = (side, key) => median(results[side].map((r) => r[key]));
  const peak = (side) => Math.max(...results[side].map((r) => r.maxRssKiB)) / 1024;
  const load = (await import('node:os')).loadavg()[0].toFixed(1);
  console.log('');
  console.log(`| ${fileCount}-file repo, median of ${iterations} | wall time | client CPU (user+sys) | peak RSS |`);
  console.log('|---|---|---|---|');
  console.log(`| ferry promote --push direct | ${m('ferry', 'seconds').toFixed(2)} s | ${m('ferry', 'cpu').toFixed(2)} s | ${peak('ferry').toFixed(0)} MiB |`);
  console.log(`| native git (clone --depth 1, sed, commit, push) | ${m('native', 'seconds').toFixed(2)} s | ${m('native', 'cpu').toFixed(2)} s | ${peak('native').toFixed(0)} MiB (largest git process) |`);
  console.log(`| native git, sparse (same, one file checked out) | ${m('sparse', 'seconds').toFixed(2)} s | ${m('sparse', 'cpu').toFixed(2)} s | ${peak('sparse').toFixed(0)} MiB (largest git process) |`);
  console.log('');
  for (const base of ['native', 'sparse']) {
    console.log(`ratio ferry/${base}: wall ${(m('ferry', 'seconds') / m(base, 'seconds')).toFixed(2)}x, client CPU ${(m('ferry', 'cpu') / m(base, 'cpu')).toFixed(2)}x (target <= 2x)`);
  }
  console.log(`1-min load average at the end: ${load} on ${(await import('node:os')).cpus().length} CPUs`);
} finally {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
}

async function gitVersion() {
  return new Promise((resolve) => {
    const c = spawn('git', ['--version']);
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => resolve(out.trim().replace('git version ', '')));
  });
}
