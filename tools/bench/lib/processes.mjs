// Child processes for the benchmark: timed runs under GNU time and plain runs, never synchronous
// (the git server lives in this process; a synchronous git-over-HTTP call would deadlock it); what a
// running one has used (CPU, peak memory); and a stream's output read line by line as it arrives.
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** Git without the user's config (signing, hooks) and with a fixed identity. */
export const gitEnv = {
  ...process.env,
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@ferry.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@ferry.invalid',
};

/**
 * Runs a command under /usr/bin/time. Returns the exit code, wall seconds, CPU seconds (user + sys
 * of the command and its waited-for children) and peak RSS in MB of its largest process.
 */
export function timed(command, args, { env = process.env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', command, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      if (!m) return reject(new Error(`${command} ${args.join(' ')}: no timing (exit ${code}): ${stderr.slice(-2000)}`));
      resolve({ code, seconds: Number(m[1]), peakMb: Number(m[2]) / 1024, cpu: Number(m[3]) + Number(m[4]), stdout, stderr: stderr.slice(0, m.index) });
    });
  });
}

/** Like timed(), but rejects with the output when the command fails. */
export async function timedOk(command, args, options) {
  const r = await timed(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return r;
}

/** Wall seconds of an async function, by the monotonic clock. */
export async function stopwatch(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, value };
}

/** User + system CPU seconds a running process has used so far (/proc/PID/stat). */
export async function cpuSecondsOf(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // utime and stime, fields 14 and 15; counted after the command name, which may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** VmHWM: a running process's peak resident set so far, in MB. */
export async function peakMbOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * Calls `onLine(line, at)` for each complete line of a text stream as it arrives; `at` is the
 * monotonic time (hrtime ns) the chunk holding the line's end arrived.
 */
export function onLines(stream, onLine) {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const at = process.hrtime.bigint();
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      onLine(line, at);
    }
  });
}

export async function commandVersion(command, args) {
  try {
    const { stdout } = await run(command, args);
    return stdout.trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}
