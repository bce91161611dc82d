// Long-running server processes that never outlive the Node process that started them.
//
// Each runs in its own process group (detached) under a tiny sh watchdog that holds a pipe from Node
// on fd 3: when Node exits for any reason - including SIGKILL, where no handler runs - the pipe
// closes, `cat` sees end of file and the watchdog terminates the server. stop() and Node's 'exit'
// event also signal the whole group, so helpers the server forks go too.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** The sh watchdog: `sh -c <watchdogScript> <name> <command> <args...>`, Node's pipe on stdin. */
export const watchdogScript = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'child=$!',
  // A background list gets /dev/null as stdin unless redirected: read the pipe through fd 3.
  '{ cat <&3 >/dev/null; kill -TERM "$child" 2>/dev/null; } &',
  'wait "$child"',
].join('\n');

export interface SupervisedProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) once the watched command has exited. */
  readonly exited: Promise<string>;
  /** The last lines of the process's log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM to the process group; SIGKILL if it has not gone within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of live) signalGroup(pgid, 'SIGKILL');
  });
}

export function startSupervisedProcess(name: string, command: string, args: string[], logPath: string): SupervisedProcess {
  installExitHook();
  const log = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn('sh', ['-c', watchdogScript, name, command, ...args], { detached: true, stdio: ['pipe', log, log] });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name} (${command})`);
  live.add(pid);
  // The pipe must not keep Node's event loop alive, nor crash it when the group is gone.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)));
  });
  return {
    name,
    pid,
    exited,
    logTail: (lines = 30) => tail(logPath, lines),
    async stop(graceMs = 10_000) {
      if (!live.has(pid)) return;
      signalGroup(pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await delay(50);
      if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
      while (groupAlive(pid)) await delay(20);
      live.delete(pid);
      child.stdin?.destroy();
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

// Polling interval while waiting for a process group to vanish (there is no event for that).
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
