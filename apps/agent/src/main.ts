import {
  IsomorphicGitSource, KubeClient, withAgentGitCredentials, createCommitVerifier, isInvalidSync, loadSyncTargets, parseSyncSpec, reconcileSync, reportInvalidSync, runAs, sourceRenderer, verifySignedHeads,
  type ReconcileDeps, type SyncReport, type SyncTarget,
} from '@ferry/agent';
import { FerryError } from '@ferry/manifest-model';
import { ExitCode, exitCodeOf, worstExitCode } from './exit-codes.js';
import { parseAgentArgs, usage, type AgentArgs } from './parse-args.js';
import { formatReport } from './format-report.js';
import { runCommand } from './commands/run.js';
import { buildGitHubAppTokens, gitCredentialsOf } from './github-app-config.js';
import { buildReporter } from './reporter-config.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** `ferry-agent sync --once` and `ferry-agent diff`. Returns the exit code (see exit-codes.ts). */
export async function main(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'run') return runCommand(argv.slice(1), io);
  let args: AgentArgs;
  try {
    args = parseAgentArgs(argv, io.env);
  } catch (error) {
    if (error instanceof FerryError && error.code === 'usage.help') {
      io.stdout.write(usage);
      return ExitCode.Ok;
    }
    const message = error instanceof FerryError ? error.describe() : error instanceof Error ? error.message : String(error);
    io.stderr.write(`ferry-agent: ${message}\n`);
    return ExitCode.Usage;
  }
  let kube: KubeClient | undefined;
  try {
    // Credentials files first: a bad key exits 2 before anything is asked of the cluster.
    const appTokens = args.githubApp ? await buildGitHubAppTokens(args.githubApp, args.reporter?.apiUrl) : undefined;
    kube = await KubeClient.create({
      ...(args.kubeconfig ? { kubeconfigPath: args.kubeconfig } : {}),
      ...(args.context ? { context: args.context } : {}),
      ...(args.inCluster ? { inCluster: args.inCluster } : {}),
      maxSockets: args.concurrency,
    });
    const git = new IsomorphicGitSource({ cacheDir: args.cacheDir, maxRepoBytes: args.maxRepoBytes });
    const source = args.githubApp && appTokens ? withAgentGitCredentials(git, gitCredentialsOf(args.githubApp, appTokens)) : git;
    const deps: ReconcileDeps = {
      kube,
      source,
      // spec.verify: an unverified head is refused exactly as the daemon refuses it (same verifier, same step).
      verifyCommit: verifySignedHeads(createCommitVerifier(kube, source, { tmpDir: args.tmpDir })),
      renderer: sourceRenderer,
      tools: args.tools,
      tmpDir: args.tmpDir,
      ...(args.reporter ? { reporter: await buildReporter(args.reporter, (line) => io.stderr.write(`${line}\n`), appTokens) } : {}),
    };
    const options = {
      force: args.force,
      dryRun: args.command === 'diff',
      concurrency: args.concurrency,
      ...(args.healthTimeoutMs !== undefined ? { healthTimeoutMs: args.healthTimeoutMs } : {}),
    };
    const reports: SyncReport[] = [];
    if (args.source) {
      reports.push(await reconcileSync(flagTarget(args.source), deps, options));
    } else {
      const targets = await loadSyncTargets(kube, args.selection ?? {});
      if (targets.length === 0) io.stderr.write('ferry-agent: no Sync objects found\n');
      // One at a time: Syncs often share namespaces and a CRD one installs may be needed by the next.
      for (const target of targets) {
        // A Sync's objects as its ServiceAccount (spec.serviceAccountName, else --default-service-account); its inventory and status as the caller.
        reports.push(isInvalidSync(target) ? await reportInvalidSync(target, deps, options) : await reconcileSync(target, runAs(deps, target, args.defaultServiceAccount), options));
      }
    }
    const codes = reports.map((r) => {
      if (args.command === 'diff' && (r.outcome === 'Applied' || r.outcome === 'Unchanged')) return r.outcome === 'Applied' ? ExitCode.Changes : ExitCode.Ok;
      return exitCodeOf(r.outcome);
    });
    const exitCode = worstExitCode(codes);
    if (args.json) io.stdout.write(`${JSON.stringify({ command: args.command, exitCode, syncs: reports, requests: kube.stats }, null, 2)}\n`);
    else for (const report of reports) io.stdout.write(formatReport(report, args.command));
    return exitCode;
  } catch (error) {
    const known = error instanceof FerryError;
    const message = known ? error.describe() : new FerryError('internal', error instanceof Error ? error.stack ?? error.message : String(error)).message;
    io.stderr.write(`ferry-agent: ${message}\n`);
    if (!known) return ExitCode.Internal;
    // A bad credentials file found on start (--status-token-file, --github-app-private-key-file).
    if (error.code === 'usage') return ExitCode.Usage;
    if (error.code === 'kube.forbidden' || error.code.startsWith('sync.') || error.code === 'kube.config') return ExitCode.Stalled;
    return ExitCode.Failed;
  } finally {
    kube?.close();
  }
}

function flagTarget(source: NonNullable<AgentArgs['source']>): SyncTarget {
  const spec = parseSyncSpec(source.spec, 'command-line source');
  const credentials = {
    ...(source.username !== undefined ? { username: source.username } : {}),
    ...(source.password !== undefined ? { password: source.password } : {}),
    ...(source.bearerToken !== undefined ? { bearerToken: source.bearerToken } : {}),
  };
  return {
    // kind 'flags': an inventory and owner labels of their own, never shared with a Sync object.
    identity: { name: source.name, namespace: source.stateNamespace, kind: 'flags' },
    spec,
    fromObject: false,
    ...(source.adoptInventory !== undefined ? { adoptInventory: source.adoptInventory } : {}),
    ...(Object.keys(credentials).length ? { credentials } : {}),
    ...(source.registryConfig !== undefined ? { registryConfig: source.registryConfig } : {}),
  };
}
