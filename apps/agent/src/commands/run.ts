/**
 * `ferry-agent run`: the long-running agent. Reads flags and the environment once, starts the
 * daemon, and stops it on SIGTERM/SIGINT: no new reconciles, the running ones get a grace period,
 * the leader Lease is released, then exit 0.
 */
import { startAgent } from '@ferry/agent';
import { FerryError } from '@ferry/manifest-model';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../main.js';
import { parseRunArgs, runUsage, type RunArgs } from '../parse-run-args.js';
import { buildGitHubAppTokens, gitCredentialsOf } from '../github-app-config.js';
import { buildReporter } from '../reporter-config.js';

export interface RunOptions {
  /** Ends the agent (the app wires SIGTERM/SIGINT to it). */
  signal?: AbortSignal;
}

export async function runCommand(argv: string[], io: Io, options: RunOptions = {}): Promise<number> {
  let parsed: RunArgs;
  try {
    parsed = parseRunArgs(argv, io.env, (line) => io.stdout.write(line));
  } catch (error) {
    if (error instanceof FerryError && error.code === 'usage.help') {
      io.stdout.write(runUsage);
      return ExitCode.Ok;
    }
    // parseArgs throws a TypeError whose message is already the sentence users need.
    io.stderr.write(`ferry-agent run: ${error instanceof FerryError ? error.describe() : `${(error as Error).message}\n  hint: run \`ferry-agent run --help\``}\n`);
    return ExitCode.Usage;
  }
  const signal = options.signal ?? processSignal();
  let agent;
  try {
    // One installation token cache for the fetches and the statuses.
    const appTokens = parsed.githubApp ? await buildGitHubAppTokens(parsed.githubApp, parsed.reporter?.apiUrl) : undefined;
    if (parsed.githubApp && appTokens) parsed.config.gitCredentials = gitCredentialsOf(parsed.githubApp, appTokens);
    if (parsed.reporter) parsed.config.reporter = await buildReporter(parsed.reporter, (line) => io.stderr.write(`${line}\n`), appTokens);
    agent = await startAgent(parsed.config);
  } catch (error) {
    io.stderr.write(`ferry-agent run: ${error instanceof FerryError ? error.describe() : String(error)}\n`);
    if (error instanceof FerryError && error.code === 'usage') return ExitCode.Usage;
    return error instanceof FerryError && error.code === 'kube.config' ? ExitCode.Stalled : ExitCode.Failed;
  }
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  await agent.stop(parsed.graceMs);
  return ExitCode.Ok;
}

function processSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return controller.signal;
}
