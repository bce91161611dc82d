#!/usr/bin/env -S node --max-semi-space-size=2
// Runs the agent's bundle (bundle/main.js, built by `npm ci` / `npm run build` with build-bundle.mjs):
// a few pre-linked chunks load far faster, and in less memory, than the hundreds of files of dist/
// and node_modules (issue 14).
// --max-semi-space-size=2 (MB): the agent allocates many short-lived objects (one per API response);
// a small young generation collects them sooner and keeps peak memory low (measured in
// tools/bench/agent-sync: about 30-50 MB less at 5,000 objects) at no measurable speed cost.
// --max-opt=2 for the one-shot commands (`sync --once`, `diff`): a run of a few seconds never repays
// V8's optimising compiler, which cost it 0.3 s of CPU and 12 MB of memory at 1,000 objects; the
// long-running `run` keeps it for its steady state.
import { setFlagsFromString } from 'node:v8';

if (process.argv[2] !== 'run') setFlagsFromString('--max-opt=2');
const { main } = await import('../bundle/main.js');

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
