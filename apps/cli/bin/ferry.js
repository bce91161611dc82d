#!/usr/bin/env node
// Runs the CLI's bundle (bundle/main.js, built by `npm ci` / `npm run build` with build-bundle.mjs):
// a few pre-linked chunks load far faster than the hundreds of files of dist/ and node_modules
// (issue 14), and `ferry --help` loads main.js alone. The process's streams, working directory and
// environment are read here, once, and passed in.
import { main } from '../bundle/main.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
