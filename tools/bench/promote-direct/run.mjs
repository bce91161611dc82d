// `npm run bench:promote`: the promote scenario of `npm run bench` (tools/bench/run-bench.mjs) alone,
// kept for its old flags: --iterations N (runs, default 7) and --files N (repo size, default 3000).
// Everything else (the native-git scripts beside this file, the report) is shared with `npm run bench`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '7' }, files: { type: 'string', default: '3000' } } });
const runner = fileURLToPath(new URL('../run-bench.mjs', import.meta.url));
const child = spawn(process.execPath, [runner, '--only', 'promote', '--runs', values.iterations, '--promote-sizes', values.files], { stdio: 'inherit' });
child.on('exit', (code) => (process.exitCode = code ?? 1));
