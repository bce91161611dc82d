import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The tool did not finish within `timeoutMs` and was killed (with everything it started). */
  timedOut?: boolean;
  /** The tool wrote more than `maxOutputBytes` and was killed. */
  tooLarge?: boolean;
}

export interface RunToolOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export const defaultToolTimeoutMs = 120_000;
const defaultMaxOutputBytes = 512 * 1024 * 1024;

/**
 * Runs a binary without a shell and without standard input (a values file `-` or a prompt must not
 * wait for input that never comes). Output is captured (renders of thousands of objects are large).
 * The tool runs in its own process group, so a timeout kills what it started too: a killed parent
 * whose child still holds the output pipe would otherwise keep the render waiting.
 */
export function runTool(binary: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  const timeoutMs = options.timeoutMs ?? defaultToolTimeoutMs;
  const maxBytes = options.maxOutputBytes ?? defaultMaxOutputBytes;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let tooLarge = false;
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      // A process that left the group may still hold the pipes: stop reading so 'close' can come.
      child.stdout.destroy();
      child.stderr.destroy();
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        if (!tooLarge) {
          tooLarge = true;
          killGroup();
        }
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    child.on('error', (error) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // The group may still hold processes that closed their output (daemonised helpers): end them.
      if (timedOut || tooLarge || signal) killGroup();
      if (settled) return;
      settled = true;
      resolve({
        code: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ...(timedOut ? { timedOut } : {}),
        ...(tooLarge ? { tooLarge } : {}),
      });
    });
  });
}
