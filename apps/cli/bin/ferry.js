#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` through the root "prepare" script). The process's
// streams, working directory and environment are read here, once, and passed in.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
