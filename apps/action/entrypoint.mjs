#!/usr/bin/env node
// The action's entry point (action.yml runs it): inputs from INPUT_* variables, read once here,
// then the built CLI's `ferry promote`, which writes the step outputs and job summary itself
// (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY). Exit codes are the CLI's (docs/action.md).
import { main } from '../cli/dist/main.js';
import { buildPromoteArgs } from './action-inputs.mjs';

let args;
try {
  args = buildPromoteArgs(process.env);
} catch (error) {
  process.stderr.write(`::error::${error.message}\n`);
  process.exit(2);
}
process.exitCode = await main(['promote', ...args], { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: { ...process.env, GITHUB_ACTIONS: 'true' } });
