import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSupervisedProcess, watchdogScript } from './supervised-process.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Bounded poll: process exit is observed, not awaited (the processes are not our children).
async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

function sleepersUnder(pid: number): Promise<number[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-P', String(pid), '-x', 'sleep'], (_error, stdout) => resolve(stdout.split('\n').filter(Boolean).map(Number)));
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('supervised processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-supervised-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stop() ends the whole process group, even a server that ignores SIGTERM', async () => {
    const server = startSupervisedProcess('stubborn', 'sh', ['-c', 'trap "" TERM; echo started; sleep 1000 & wait'], join(dir, 'stubborn.log'));
    await eventually('the server to start', () => server.logTail().includes('started'));
    await server.stop(300);
    expect(alive(server.pid)).toBe(false);
    expect(() => process.kill(-server.pid, 0)).toThrow();
    expect(await server.exited).not.toBe('0');
  });

  it('the watchdog ends the server when the Node process that started it is SIGKILLed', async () => {
    // A separate Node process starts `sleep` under the watchdog exactly as startSupervisedProcess does,
    // reports the pid, and is then killed without any chance to clean up.
    const parent = spawn(process.execPath, [
      '-e',
      `const { spawn } = require('node:child_process');
       const child = spawn('sh', ['-c', process.argv[1], 'sleeper', 'sleep', '1000'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
       console.log(child.pid);
       setInterval(() => {}, 1000);`,
      watchdogScript,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    const watchdogPid = await new Promise<number>((resolve) => parent.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim()))));
    let sleeper = 0;
    for (const deadline = Date.now() + 10_000; sleeper === 0 && Date.now() < deadline; await pause(50)) {
      sleeper = (await sleepersUnder(watchdogPid))[0] ?? 0;
    }
    expect(sleeper).toBeGreaterThan(0);
    parent.kill('SIGKILL');
    await eventually('the sleeper to be terminated by the watchdog', () => !alive(sleeper));
    await eventually('the watchdog to exit', () => !alive(watchdogPid));
  });
});
