// Test support: `ferry-agent` as a real child process, so a test can SIGKILL it: the shipped bin
// (apps/agent/bin/ferry-agent.js) and the bundle it runs, brought up to date as `npm ci` builds it
// (shippedBin), so the test runs what users run and never a stale build.
import { spawn, type ChildProcess } from 'node:child_process';
import { shippedBin } from '@ferry/testenv';

export interface AgentBin {
  /** Path of the bin file to run with node. */
  path: string;
}

/** The agent's bin, its bundle built from the current sources. */
export async function buildAgentBin(): Promise<AgentBin> {
  return { path: shippedBin('agent') };
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
