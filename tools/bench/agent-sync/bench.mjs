#!/usr/bin/env node
// `npm run bench:agent`: the agent scenario of `npm run bench` (tools/bench/run-bench.mjs) alone,
// kept for its old flag --sizes 1000,5000; --runs N is passed through (default 5).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,5000' }, runs: { type: 'string', default: '5' } } });
const runner = fileURLToPath(new URL('../run-bench.mjs', import.meta.url));
const child = spawn(process.execPath, [runner, '--only', 'agent', '--runs', values.runs, '--agent-sizes', values.sizes], { stdio: 'inherit' });
child.on('exit', (code) => (process.exitCode = code ?? 1));
