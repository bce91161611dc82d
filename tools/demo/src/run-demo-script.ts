// What the demo end-to-end tests share: run `node tools/demo/run-demo.mjs ARGS` as a user runs it,
// after building what it runs, and tell whether a process it started is still alive.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { shippedBin } from '@ferry/testenv';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');

/** Builds the CLIs (tsc -b, a no-op when dist is current) and their bundles, then runs the demo; resolves with its stdout (rejects on a non-zero exit). */
export async function runDemoScript(args: string[] = []): Promise<string> {
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.json'), join(root, 'tools/testenv')], { cwd: root });
  // bin/ferry.js and bin/ferry-agent.js run bundles: bring them up to date as `npm ci` builds them.
  for (const app of ['cli', 'agent'] as const) shippedBin(app);
  const { stdout } = await run(process.execPath, [join(root, 'tools/demo/run-demo.mjs'), ...args], { cwd: root, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
