#!/usr/bin/env node
// Runs the compiled agent CLI (built by `npm ci` through the root "prepare" script).
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
