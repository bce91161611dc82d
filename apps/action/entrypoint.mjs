#!/usr/bin/env node
// The action's entry point (action.yml runs it): inputs from INPUT_* variables, read once here,
// then the `ferry promote` binary, which writes the step outputs and job summary itself
// (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY). The exit code is the CLI's (docs/action.md).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildPromoteArgs } from './action-inputs.mjs';

let args;
try {
  args = buildPromoteArgs(process.env);
} catch (error) {
  process.stderr.write(`::error::${error.message}\n`);
  process.exit(2);
}
const ferry = fileURLToPath(new URL('../cli/bin/ferry.js', import.meta.url));
const child = spawn(process.execPath, [ferry, 'promote', ...args], { stdio: 'inherit', env: { ...process.env, GITHUB_ACTIONS: 'true' } });
child.on('error', (error) => {
  process.stderr.write(`::error::cannot run ferry: ${error.message}\n`);
  process.exitCode = 1;
});
child.on('close', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
