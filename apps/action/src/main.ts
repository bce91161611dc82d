// The bundle's entry point (action.yml: runs.main). The runner starts it with the inputs as
// INPUT_* variables; the process is read here, once.
import { runAction } from './run-action.js';

process.exitCode = await runAction({ stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
