// Shared by the packaging tests: the repository root, the published workspaces, and a child-process
// runner that never throws (tests assert on the exit code and show the output when it is wrong).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The workspaces published to npm (tools/* stay private). */
export const PUBLISHED = [
  { dir: 'packages/manifest-model', name: '@ferry/manifest-model' },
  { dir: 'packages/git-http', name: '@ferry/git-http' },
  { dir: 'packages/promoter', name: '@ferry/promoter' },
  { dir: 'packages/agent', name: '@ferry/agent' },
  { dir: 'apps/cli', name: '@ferry/cli', bin: 'ferry' },
  { dir: 'apps/agent', name: '@ferry/agent-app', bin: 'ferry-agent' },
] as const;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** npm settings for installs in tests: the local cache first, no audit or funding requests. */
export const NPM_QUIET_ENV = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** One line for an assertion message: the command's exit code and the tail of its output. */
export function explain(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}
