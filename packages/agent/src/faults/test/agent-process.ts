// Test support: `ferry-agent` as a real child process, so a test can SIGKILL it. The shipped bin
// file (apps/agent/bin/ferry-agent.js) runs unchanged; the bundle/main.js it imports is bundled from
// the current sources with esbuild (third-party packages stay external and resolve from the repo's
// node_modules), so the test never runs a stale `npm run build` output.
import { build } from 'esbuild';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

export interface AgentBin {
  /** Path of the bin file to run with node. */
  path: string;
  remove(): Promise<void>;
}

/** Bundles apps/agent's main from source beside a copy of the bin; under node_modules/.cache (ignored). */
export async function buildAgentBin(): Promise<AgentBin> {
  const dir = join(repoRoot, 'node_modules', '.cache', 'ferry-faults', `agent-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(join(dir, 'bin'), { recursive: true });
  await build({
    entryPoints: [join(repoRoot, 'apps/agent/src/main.ts')],
    outfile: join(dir, 'bundle', 'main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@ferry/source'],
    logLevel: 'warning',
    plugins: [{
      name: 'workspace-only',
      setup(builder) {
        // Bundle the workspace packages; leave every third-party import to Node.
        builder.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@ferry/') ? undefined : { path: args.path, external: true }));
      },
    }],
  });
  const path = join(dir, 'bin', 'ferry-agent.js');
  await copyFile(join(repoRoot, 'apps/agent/bin/ferry-agent.js'), path);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface AgentProcess {
  pid: number;
  /** stdout and stderr so far (JSON log lines). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `ferry-agent <args>`; the caller must stop() it (a test's finally). */
export function spawnAgent(bin: AgentBin, args: string[]): AgentProcess {
  // The bin's shebang flag, passed explicitly so the test's own node binary runs it.
  const child: ChildProcess = spawn(process.execPath, ['--max-semi-space-size=2', bin.path, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
  if (child.pid === undefined) throw new Error('could not start ferry-agent');
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A test run that ends without its finally (Ctrl-C) must not leave an agent retrying forever.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
    process.off('exit', killOnExit);
    resolve({ code, signal });
  }));
  return {
    pid: child.pid,
    output: () => output,
    exited,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
