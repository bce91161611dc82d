import { FerryError } from '@ferry/manifest-model';
import { checkPromotionText, describeVersion, openGitHistory, openGitWorkspace, releaseHold, rollback, type RollbackResult } from '@ferry/promoter';
import { commandErrorLine, ExitCode, UsageError, type Command } from '../command.js';
import { booleanFlag, parseFlags, stringFlag } from '../parse-flags.js';
import { connectRepo, needsGitHubRepo, parseForgeFlag, resolveTarget, statusReaderFor } from './connect-repo.js';
import { PromoteExit, checkPromotionInputs, exitCodeOfError, parseDuration } from './promote.js';
import { parseClusters, runWaitLive } from './wait-live-step.js';

const HELP = `Usage: ferry rollback --repo OWNER/NAME|GIT-URL --env ENV --app APP [--to VERSION]
                      [--reason TEXT] [--by NAME] [--push pr|direct] [--auto-merge] [--wait-merged | --wait-live [--clusters A,B]] [--timeout D]
                      [--forge github|gitea] [--api-url URL] [--github-repo OWNER/NAME] [--github-api-url URL] [--dry-run] [--json]

Promotes APP in ENV back to an earlier version found in git history (the Ferry-App / Ferry-Env /
Ferry-Image trailers of earlier promotions), marked as a rollback, and sets a hold on APP in ENV in
ferry.yaml in the same commit: automated promotions are refused (exit 4) until a human removes it.

  --to VERSION        a tag, digest or full image reference promoted to ENV before (default: the previous one;
                      versions already rolled back from are skipped)
  --reason TEXT       why (goes into the hold and the commit; default "rolled back from X to Y")
  --by NAME           who (default $GITHUB_ACTOR or $USER)
  --wait-live         after the merge, wait until the clusters report the rollback applied and healthy
  --release           instead: remove the hold on APP in ENV from ferry.yaml (commit or pull request), so
                      automated promotions go through again
  other flags         as for ferry promote

Exit codes: 0 rolled back (or already at that version), 2 bad input, 3 no such app/env/version in history,
5 git or GitHub failure, 6 pull request closed or not merged (not live) within --timeout, 7 a cluster
reported the rollout failed (--wait-live).
`;

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'promote an app back to an earlier version from history and hold it there',
  help: HELP,
  async run(args, io) {
    let json = args.includes('--json');
    try {
      const flags = parseFlags('rollback', args, {
        repo: { type: 'string' }, env: { type: 'string' }, app: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' },
        push: { type: 'string' }, 'auto-merge': { type: 'boolean' }, 'wait-merged': { type: 'boolean' }, timeout: { type: 'string' },
        'wait-live': { type: 'boolean' }, clusters: { type: 'string' },
        'github-api-url': { type: 'string' }, 'github-repo': { type: 'string' }, forge: { type: 'string' }, 'api-url': { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, release: { type: 'boolean' },
      });
      json = booleanFlag(flags, 'json');
      if (flags.positionals.length) throw new UsageError(`unexpected argument ${flags.positionals[0]}`);
      const [repoFlag, env, app] = ['repo', 'env', 'app'].map((n) => {
        const v = stringFlag(flags, n);
        if (!v) throw new UsageError(`--${n} is required`, 'run "ferry rollback --help" for usage');
        return v;
      }) as [string, string, string];
      checkPromotionInputs({ env, app, to: stringFlag(flags, 'to'), reason: stringFlag(flags, 'reason'), by: stringFlag(flags, 'by') });
      const by = stringFlag(flags, 'by') ?? defaultAuthor(io.env);
      const push = stringFlag(flags, 'push');
      if (push !== undefined && push !== 'pr' && push !== 'direct') throw new UsageError(`--push must be "pr" or "direct", not "${push}"`);
      const waitLive = booleanFlag(flags, 'wait-live');
      const waits = booleanFlag(flags, 'wait-merged') || waitLive;
      if (stringFlag(flags, 'timeout') !== undefined && !waits) throw new UsageError('--timeout only applies with --wait-merged or --wait-live');
      if (stringFlag(flags, 'clusters') !== undefined && !waitLive) throw new UsageError('--clusters only applies with --wait-live');
      const clusters = parseClusters(stringFlag(flags, 'clusters'));
      const waitMs = waits ? parseDuration(stringFlag(flags, 'timeout') ?? '30m') : undefined;
      const deadline = Date.now() + (waitMs ?? 0);
      const progress = (m: string) => io.stderr.write(`ferry rollback: ${m}\n`);
      const dryRun = booleanFlag(flags, 'dry-run');

      const release = booleanFlag(flags, 'release');
      if (release) {
        const extra = ['to', 'reason', 'clusters', 'timeout'].find((n) => stringFlag(flags, n) !== undefined) ?? ['wait-live', 'wait-merged', 'dry-run'].find((n) => booleanFlag(flags, n));
        if (extra) throw new UsageError(`--release does not take --${extra}`);
      }
      const repo = await connectRepo(await resolveTarget({ repo: repoFlag, forge: parseForgeFlag(stringFlag(flags, 'forge')), apiUrl: stringFlag(flags, 'api-url'), githubApiUrl: stringFlag(flags, 'github-api-url'), githubRepo: stringFlag(flags, 'github-repo') }, io.env, progress), io.env, progress);
      if (waitLive && !repo.named) throw needsGitHubRepo(repo.gitUrl, '--wait-live reads commit statuses from the GitHub API');
      if (release) {
        const workspace = await openGitWorkspace({ url: repo.gitUrl, auth: repo.gitAuth });
        try {
          const released = await releaseHold({
            repo: workspace, host: repo.host, app, env, push: (push as 'pr' | 'direct' | undefined) ?? (repo.host ? 'pr' : 'direct'),
            autoMerge: booleanFlag(flags, 'auto-merge'), by,
          });
          io.stdout.write(json ? `${JSON.stringify({ ...released, exitCode: 0 }, null, 2)}\n` : `${released.message}\n`);
          return ExitCode.Ok;
        } finally {
          await workspace.close();
        }
      }
      if ((push === 'pr' || (push === undefined && (repo.onGitHub || repo.forge === 'gitea'))) && !repo.host && !dryRun) {
        if (repo.forge === 'gitea') throw new FerryError('input.missing-auth', 'a rollback pull request needs Gitea credentials', { hint: 'set FERRY_GITEA_TOKEN, or use --push direct' });
        if (!repo.named) throw needsGitHubRepo(repo.gitUrl, 'a rollback pull request needs the GitHub API');
        throw new FerryError('input.missing-auth', 'a rollback pull request needs GitHub credentials', { hint: 'set FERRY_GITHUB_TOKEN / GITHUB_TOKEN, or use --push direct' });
      }
      const workspace = await openGitWorkspace({ url: repo.gitUrl, auth: repo.gitAuth });
      const history = await openGitHistory({ url: repo.gitUrl, auth: repo.gitAuth });
      let result: RollbackResult & { live?: Awaited<ReturnType<typeof runWaitLive>> };
      try {
        result = await rollback({
          repo: workspace, history, host: repo.host, env, app, to: stringFlag(flags, 'to'), reason: stringFlag(flags, 'reason'),
          by,
          push: push as 'pr' | 'direct' | undefined, autoMerge: booleanFlag(flags, 'auto-merge') || undefined,
          waitMergedMs: waitMs,
          dryRun, now: () => new Date(),
          clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
          onProgress: progress,
        });
        if (waitLive && result.outcome === 'promoted' && !dryRun) {
          result = { ...result, live: await runWaitLive(result, { clusters }, { ...repo, gitAuth: repo.gitAuth, host: repo.host, deadline, progress, statuses: statusReaderFor(repo) }) };
        }
      } finally {
        await Promise.all([workspace.close(), history.close()]);
      }
      const code = result.live?.outcome === 'failed' ? PromoteExit.RolloutFailed
        : result.outcome === 'closed' || result.outcome === 'timeout' || result.live?.outcome === 'timeout' ? PromoteExit.NotMerged : ExitCode.Ok;
      if (json) io.stdout.write(`${JSON.stringify({ ...result, exitCode: code }, null, 2)}\n`);
      else {
        const lines = [`${result.message}`, `rolled back ${app} in ${env}: ${result.rollback.from.map(describeVersion).join(', ')} -> ${describeVersion(result.rollback.to.version)} (found at ${result.rollback.to.commit.slice(0, 12)})`];
        if (result.changed && result.outcome !== 'dry-run') lines.push(`hold set in ferry.yaml: ${result.rollback.hold.reason}; remove it to let promotions through again`);
        if (result.pullRequest) lines.push(`pull request: ${result.pullRequest.url}`);
        if (result.mergeSha) lines.push(`merge sha: ${result.mergeSha}`);
        if (result.live) lines.push(`${result.live.outcome === 'live' ? 'live' : 'NOT live'}: ${result.live.message}`);
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      return code;
    } catch (err) {
      if (!(err instanceof FerryError)) throw err;
      const code = exitCodeOfError(err);
      if (json) io.stdout.write(`${JSON.stringify({ outcome: 'error', error: { code: err.code, message: err.message, hint: err.hint }, exitCode: code }, null, 2)}\n`);
      io.stderr.write(commandErrorLine('rollback', err));
      return code;
    }
  },
};

/** `--by` defaults to $GITHUB_ACTOR or $USER; a value with control characters is refused naming the variable. */
function defaultAuthor(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const name = env['GITHUB_ACTOR'] !== undefined ? 'GITHUB_ACTOR' : 'USER';
  const value = env[name];
  if (value !== undefined) checkPromotionText(value, `$${name} (the default of --by)`);
  return value;
}
