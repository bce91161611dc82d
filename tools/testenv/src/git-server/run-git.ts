// Runs the native git client asynchronously (never execFileSync against a server in this process:
// the server could not answer while the event loop is blocked), isolated from the user's config.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedGitEnv } from './create-bare-repo.js';

export interface RunGitOptions {
  cwd?: string;
  /** Added to an isolated environment (no user or system config, no prompts). */
  env?: Record<string, string>;
  /** Written to git's stdin (e.g. a `git fast-import` stream). */
  input?: string;
}

export interface RunGitResult {
  code: number;
  stdout: string;
  stderr: string;
}

let home: Promise<string> | undefined;

/** Resolves with the exit code instead of throwing, so tests can assert on failures. */
export async function runGit(args: string[], options: RunGitOptions = {}): Promise<RunGitResult> {
  home ??= mkdtemp(join(tmpdir(), 'ferry-git-home-'));
  const env: NodeJS.ProcessEnv = { ...isolatedGitEnv(await home, process.env['PATH']), ...options.env };
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd: options.cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) {
      child.stdin?.on('error', () => undefined); // git may exit before reading it all; its exit code tells
      child.stdin?.end(options.input);
    }
  });
}
