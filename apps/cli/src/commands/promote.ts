import { appendFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { explainInvalidOrderPattern, FerryError, isDuration, ORDER_KINDS, parseDuration as parseDurationMs, parseImageReference, type OrderKind, type VersionOrder } from '@ferry/manifest-model';
import { checkBuildTime, checkBuildUrl, checkGateOverrideReason, checkPromotionName, checkPromotionText, checkSourceCommit, markdownCode, markdownText, createGateEvidenceReader, openGitHistory, openGitWorkspace, promote, promoteGroup, type GroupImage, type PromoteGroupResult, type PromoteResult, type PullRequestSettings, type WaitLiveResult } from '@ferry/promoter';
import { commandErrorLine, ExitCode, UsageError, type CliIo, type Command } from '../command.js';
import { connectRepo, needsGitHubRepo, parseForgeFlag, resolveTarget, statusReaderFor, type Forge, type RepoTarget } from './connect-repo.js';
import { exitCodeOfMember, formatGroupHuman, formatGroupSummary, parseGroupImages } from './promote-group-flags.js';
import { openImageRegistry } from './registry-access.js';
import { parseClusters, runWaitLive, type WaitLiveFlags } from './wait-live-step.js';

/** Exit codes of `ferry promote` (issue 4); 0, 2 and 3 are shared with every command. */
export const PromoteExit = {
  ...ExitCode,
  /** Refused by policy: hold, semver range, allow/deny, explicit downgrade, an older build, tags that cannot be ordered. Nothing was changed. */
  Refused: 4,
  /** Git, GitHub or the image registry failed after retries. Nothing half-done: no commit landed. */
  RemoteFailed: 5,
  /** The PR was closed, or not merged (or, with --wait-live, not live) within --timeout. */
  NotMerged: 6,
  /** --wait-live: a target cluster's agent reported the rollout failed (its reason is printed). */
  RolloutFailed: 7,
} as const;

const HELP = `Usage: ferry promote --repo OWNER/NAME|GIT-URL --env ENV (--app APP | --file PATH [--key K]...)
                     (--image NAME[:TAG][@DIGEST] [--tag T] [--digest D] | --from-env ENV)
       ferry promote --repo ... --env ENV --image [APP=]NAME:TAG --image [APP=]NAME:TAG...   (a group)
                     [--auto-merge] [--wait-merged | --wait-live [--clusters A,B]] [--timeout DURATION] [--push pr|direct]
                     [--label L]... [--reviewer USER|ORG/TEAM]... [--merge-method merge|squash|rebase] [--draft]
                     [--source-commit SHA] [--build-url URL] [--override-gate REASON] [--verify-image] [--pin-digest]
                     [--forge github|gitea] [--api-url URL] [--github-repo OWNER/NAME] [--github-api-url URL]
                     [--dry-run] [--json]

Promote an image into the config repo: one commit (or one pull request) per promotion.

  --repo R            OWNER/NAME on GitHub, or any smart-HTTP git URL (owner/name = its last two path parts);
                      a URL with one path part (http://git.internal/config.git) serves git only: pull requests,
                      --wait-live and promotesFrom gates then need --github-repo
  --env ENV           environment to promote into (ferry.yaml: environments.ENV; its branch is the base)
  --app APP           app from ferry.yaml: files, keys, policy and hold come from there
  --file PATH         a file to edit instead (repeatable); --key K after it names the YAML key of the tag/image
  --image REF         image, with the new :TAG and/or @DIGEST
  --image [APP=]REF   given more than once: a group promotion. Every image's app (named, or the one app of ENV
                      in ferry.yaml with that image) is promoted as one commit or one pull request (branch
                      ferry/ENV/group+HASH), all or nothing: any app refused (hold, policy, order, gate, registry)
                      refuses the group and nothing is pushed. An app already at its version is left out
  --tag T, --digest D set the tag / digest explicitly (override those in --image)
  --from-env ENV      promote exactly the tag and digest ENV runs (needs --app); an older one is refused
  --push pr|direct    pull request on a branch ferry/ENV/APP (default with GitHub) or a commit straight on the base branch
  --auto-merge        enable auto-merge (GraphQL), or merge at once with the head sha guard when GitHub says it is clean
  --label L           add a label to the pull request (repeatable; added to ferry.yaml's labels)
  --reviewer R        request a review from user R, or team T with ORG/T (repeatable; added to ferry.yaml's)
  --merge-method M    merge, squash or rebase (default: the environment's mergeMethod, else squash)
  --draft             open the pull request as a draft; nothing merges it (no auto-merge) until marked ready
  --wait-merged       wait until the pull request is merged (prints the merge sha) or closed
  --wait-live         wait for the merge, then until every target cluster's agent reports the commit (or a later
                      one containing it) applied and healthy; fails with the agent's own reason
  --clusters A,B      clusters --wait-live waits for (default: those that reported on the commit before the merge)
  --timeout DURATION  how long --wait-merged / --wait-live wait in all: 90s, 10m, 1h30m (default 30m)
  --source-commit SHA build's source commit (4-64 lower-case hex), recorded in the commit message and trailers
  --build-url URL     build's http(s) URL, recorded likewise (linked in the PR body)
  --build-time TIME   build's RFC 3339 time (2025-01-31T12:00:00Z), recorded as a Ferry-Build-Time trailer; what
                      order: build-time compares, so the newest build wins however the CI jobs race
  --order O           --file only: how builds are ordered: semver, numeric or build-time (with --app: the app's
                      order in ferry.yaml). Unset: semver when both tags are, else the promotion is refused (exit 4)
  --order-pattern RE  --order numeric: a regular expression whose one named group holds the number,
                      e.g. '^main-[0-9a-f]+-(?<run>[0-9]+)$' (without it the whole tag is the number)
                      No flag may hold control or line-breaking characters; ENV and APP are ferry.yaml names.
  --override-gate R   promote past the promotesFrom gate (the version need not be live in that environment);
                      the reason (1-200 characters, one line) lands in a Ferry-Gate-Override trailer and the PR body
  --verify-image      before writing, ask the image registry that the tag (or digest) exists and what its digest is;
                      missing: exit 3, nothing pushed (ferry.yaml: verifyImage)
  --pin-digest        write the registry's digest beside the tag (a multi-arch image: its index digest); implies
                      --verify-image; a --digest the registry does not hold for the tag is refused (exit 4)
  --github-repo O/N   the GitHub repository (pull requests, statuses) of a git URL --repo, when its path does not
                      end in OWNER/NAME (a one-segment URL, a mirror); with it the GitHub API is used
  --github-api-url U  GitHub Enterprise API, e.g. https://ghe.example.com/api/v3
  --forge F           github or gitea (Gitea and Forgejo): where pull requests are opened and merged; default:
                      ferry.yaml's forge (read first for a git URL off github.com), else github
  --api-url U         the forge's API: GitHub Enterprise's .../api/v3 (same as --github-api-url), or Gitea's base
                      URL (default: ferry.yaml's apiUrl, else where --repo is served, + /api/v1)
  --dry-run           print the diff that would be committed; touch nothing remote
  --json              print the result as JSON on stdout

Auth (environment): FERRY_GITHUB_TOKEN or GITHUB_TOKEN; or a GitHub App with FERRY_GITHUB_APP_ID and
FERRY_GITHUB_APP_PRIVATE_KEY (PEM text or a path to it); Gitea: FERRY_GITEA_TOKEN; for other git servers FERRY_GIT_USERNAME and
FERRY_GIT_PASSWORD. Image registry (--verify-image): anonymous or the registry's token challenge, with
FERRY_REGISTRY_USERNAME and FERRY_REGISTRY_PASSWORD, else the auths of DOCKER_CONFIG/config.json or
~/.docker/config.json; plain HTTP only for loopback registries. Secrets are never printed.

Exit codes: 0 promoted or nothing to do, 2 bad input, 3 target not found (or the image is not in the registry),
4 refused by policy, by the app's order (older than the version in place or pending, or tags that cannot be ordered), or by the
promotesFrom gate (the version is not live and healthy in every cluster of that environment, or not soaked),
5 git, GitHub or image registry failure after retries, 6 pull request closed, or not merged (not live) within --timeout,
7 a cluster reported the rollout failed (--wait-live).
In GitHub Actions, writes outputs (changed, pr-number, pr-url, merge-sha, live) and a job summary.
`;

const OPTIONS = {
  repo: { type: 'string' }, env: { type: 'string' }, app: { type: 'string' },
  file: { type: 'string', multiple: true }, key: { type: 'string', multiple: true },
  image: { type: 'string', multiple: true }, tag: { type: 'string' }, digest: { type: 'string' }, 'from-env': { type: 'string' },
  'auto-merge': { type: 'boolean' }, 'wait-merged': { type: 'boolean' }, timeout: { type: 'string' },
  'wait-live': { type: 'boolean' }, clusters: { type: 'string' },
  label: { type: 'string', multiple: true }, reviewer: { type: 'string', multiple: true }, 'merge-method': { type: 'string' }, draft: { type: 'boolean' },
  push: { type: 'string' }, 'source-commit': { type: 'string' }, 'build-url': { type: 'string' },
  'github-api-url': { type: 'string' }, 'github-repo': { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' },
  forge: { type: 'string' }, 'api-url': { type: 'string' },
  'override-gate': { type: 'string' },
  'verify-image': { type: 'boolean' }, 'pin-digest': { type: 'boolean' },
  'build-time': { type: 'string' }, order: { type: 'string' }, 'order-pattern': { type: 'string' },
} as const;

export const promoteCommand: Command = {
  name: 'promote',
  summary: 'promote an image into the config repo (commit or pull request, safe under concurrency)',
  help: HELP,
  async run(args, io) {
    let json = args.includes('--json');
    try {
      const flags = parsePromoteFlags(args);
      json = flags.json;
      const result = await runPromote(flags, io);
      const code = exitCodeOf(result);
      // A group: every app's own exit code beside the group's.
      const shown = 'group' in result ? { ...result, apps: result.apps.map((a) => ({ ...a, exitCode: exitCodeOfMember(a.outcome) })) } : result;
      if (json) io.stdout.write(`${JSON.stringify({ ...shown, exitCode: code }, null, 2)}\n`);
      else io.stdout.write(formatHuman(result));
      await writeGitHubActions(io, result);
      return code;
    } catch (err) {
      if (!(err instanceof FerryError)) throw err;
      const code = exitCodeOfError(err);
      if (json) io.stdout.write(`${JSON.stringify({ outcome: 'error', error: { code: err.code, message: err.message, file: err.file, line: err.line, hint: err.hint }, exitCode: code }, null, 2)}\n`);
      io.stderr.write(commandErrorLine('promote', err));
      return code;
    }
  },
};

interface PromoteFlags {
  repo: string;
  env: string;
  app?: string | undefined;
  files: { path: string; key?: string }[];
  image?: { name: string; tag?: string | undefined; digest?: string | undefined } | undefined;
  /** Several `--image`: a group promotion (promoteGroup). */
  group?: GroupImage[] | undefined;
  fromEnv?: string | undefined;
  overrideGate?: string | undefined;
  verifyImage?: boolean | undefined;
  pinDigest?: boolean | undefined;
  buildTime?: string | undefined;
  order?: VersionOrder | undefined;
  autoMerge?: boolean | undefined;
  pullRequest?: PullRequestSettings | undefined;
  waitMergedMs?: number | undefined;
  waitLive?: WaitLiveFlags | undefined;
  push?: 'pr' | 'direct' | undefined;
  sourceCommit?: string | undefined;
  buildUrl?: string | undefined;
  apiUrl?: string | undefined;
  /** --api-url: the forge's API, whichever forge. */
  forgeApiUrl?: string | undefined;
  /** --forge; undefined: ferry.yaml's forge, else GitHub. */
  forge?: Forge | undefined;
  githubRepo?: string | undefined;
  dryRun: boolean;
  json: boolean;
}

export function parsePromoteFlags(args: string[]): PromoteFlags {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err), 'run "ferry promote --help" for usage');
  }
  const v = parsed.values;
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new UsageError(`--${name} is required`, 'run "ferry promote --help" for usage');
    return value;
  };
  // --key belongs to the --file before it, so walk the tokens in order.
  const files: { path: string; key?: string }[] = [];
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (token.name === 'file') files.push({ path: token.value! });
    if (token.name === 'key') {
      const last = files[files.length - 1];
      if (!last) throw new UsageError('--key must follow the --file it applies to');
      if (last.key !== undefined) throw new UsageError(`--file ${last.path} has two --key flags`);
      last.key = token.value!;
    }
  }
  const images = v.image ?? [];
  for (const text of images) checkPromotionText(text, '--image');
  const group = images.length > 1 ? parseGroupImages(images, { app: v.app, file: files.length > 0, 'from-env': v['from-env'], tag: v.tag, digest: v.digest, order: v.order }) : undefined;
  if (images.length === 1 && images[0]!.includes('=')) throw new UsageError(`--image ${images[0]}: APP=IMAGE names the app of one image in a group (several --image)`, 'with one image use --app APP --image NAME:TAG');
  const single = group ? undefined : images[0];
  checkPromotionInputs({ env: v.env, app: v.app, 'from-env': v['from-env'], 'source-commit': v['source-commit'], 'build-url': v['build-url'], image: single, tag: v.tag, digest: v.digest }, files);
  if (v.app && files.length) throw new UsageError('give either --app or --file, not both');
  if (!v.app && !files.length && !group) throw new UsageError('give --app APP (from ferry.yaml) or --file PATH');
  if (v['from-env'] && (single || v.tag || v.digest)) throw new UsageError('--from-env takes the version from that environment; drop --image/--tag/--digest');
  if (!v['from-env'] && !single && !group) throw new UsageError('give --image NAME[:TAG][@DIGEST] or --from-env ENV');
  if (v.push !== undefined && v.push !== 'pr' && v.push !== 'direct') throw new UsageError(`--push must be "pr" or "direct", not "${v.push}"`);
  if (v.timeout !== undefined && !v['wait-merged'] && !v['wait-live']) throw new UsageError('--timeout only applies with --wait-merged or --wait-live');
  if (v.clusters !== undefined && !v['wait-live']) throw new UsageError('--clusters only applies with --wait-live');
  if (v['wait-live'] && v['dry-run']) throw new UsageError('--wait-live cannot be combined with --dry-run');
  const pullRequest = parsePullRequestSettings(v.label, v.reviewer, v['merge-method'], v.draft);
  if (pullRequest?.draft && v['auto-merge']) throw new UsageError('--draft cannot be combined with --auto-merge', 'a draft waits for a human to mark it ready; drop one of them');
  if (pullRequest && v.push === 'direct') throw new UsageError('--label, --reviewer, --merge-method and --draft apply to pull requests, not --push direct');
  if (v['override-gate'] !== undefined) checkGateOverrideReason(v['override-gate'], '--override-gate');
  const forge = parseForgeFlag(v.forge);
  const order = parseOrderFlags(v.order, v['order-pattern'], v.app !== undefined);
  if (v['build-time'] !== undefined) checkBuildTime(v['build-time'], '--build-time');
  let image: PromoteFlags['image'];
  if (single) {
    const ref = parseImageReference(single);
    image = { name: ref.name, tag: v.tag ?? ref.tag, digest: v.digest ?? ref.digest };
    if (image.tag !== undefined) parseImageReference(`${ref.name}:${image.tag}`);
    if (image.digest !== undefined) parseImageReference(`${ref.name}@${image.digest}`);
    if (image.tag === undefined && image.digest === undefined) throw new UsageError(`--image ${single} has no tag or digest`, 'add :TAG or @DIGEST, or pass --tag / --digest');
  }
  return {
    repo: need('repo', v.repo), env: need('env', v.env), app: v.app, files, image, group, fromEnv: v['from-env'], overrideGate: v['override-gate'],
    verifyImage: v['verify-image'], pinDigest: v['pin-digest'],
    buildTime: v['build-time'], order,
    autoMerge: v['auto-merge'] ? true : undefined, pullRequest,
    waitMergedMs: v['wait-merged'] || v['wait-live'] ? parseDuration(v.timeout ?? '30m') : undefined,
    waitLive: v['wait-live'] ? { clusters: parseClusters(v.clusters) } : undefined,
    push: v.push as PromoteFlags['push'], sourceCommit: v['source-commit'], buildUrl: v['build-url'],
    apiUrl: v['github-api-url'], forgeApiUrl: v['api-url'], forge, githubRepo: v['github-repo'], dryRun: v['dry-run'] ?? false, json: v.json ?? false,
  };
}

/**
 * Everything that reaches a commit trailer, a branch name or the pull request text: no control or
 * line-breaking characters (a newline in --build-url forged a Ferry-Image trailer), names as in
 * ferry.yaml, a commit id, an http(s) URL. Exit 2 naming the flag, before anything is fetched.
 */
/** `--order` and `--order-pattern` (`--file` only), checked like ferry.yaml's `order` and `orderPattern`. */
function parseOrderFlags(order: string | undefined, pattern: string | undefined, withApp: boolean): VersionOrder | undefined {
  if (order === undefined) {
    if (pattern !== undefined) throw new UsageError('--order-pattern needs --order numeric');
    return undefined;
  }
  if (withApp) throw new UsageError('--order applies to --file; with --app the order is the app\'s order in ferry.yaml', 'set order (and orderPattern) for the app in ferry.yaml, or drop --order');
  if (!(ORDER_KINDS as readonly string[]).includes(order)) throw new UsageError(`--order must be ${ORDER_KINDS.join(', ')}, not "${order}"`);
  if (pattern === undefined) return { by: order as OrderKind };
  if (order !== 'numeric') throw new UsageError(`--order-pattern only applies with --order numeric, not --order ${order}`);
  const why = explainInvalidOrderPattern(pattern);
  if (why) throw new UsageError(`--order-pattern '${pattern.slice(0, 80)}' is not usable: ${why}`, "e.g. --order-pattern '^main-[0-9a-f]+-(?<run>[0-9]+)$'");
  return { by: 'numeric', pattern };
}

export function checkPromotionInputs(flags: Record<string, string | undefined>, files: { path: string; key?: string }[] = []): void {
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    if (name === 'env' || name === 'app' || name === 'from-env') checkPromotionName(value, `--${name}`);
    else if (name === 'source-commit') checkSourceCommit(value, '--source-commit');
    else if (name === 'build-url') checkBuildUrl(value, '--build-url');
    else checkPromotionText(value, `--${name}`);
  }
  for (const file of files) {
    checkPromotionText(file.path, '--file');
    if (file.key !== undefined) checkPromotionText(file.key, '--key');
  }
}

/** `--label`, `--reviewer` (ORG/TEAM names a team), `--merge-method`, `--draft`; undefined when none is given. */
function parsePullRequestSettings(labels: string[] | undefined, reviewers: string[] | undefined, mergeMethod: string | undefined, draft: boolean | undefined): PullRequestSettings | undefined {
  if (!labels?.length && !reviewers?.length && mergeMethod === undefined && !draft) return undefined;
  for (const label of labels ?? []) checkPromotionText(label, '--label');
  const users: string[] = [];
  const teams: string[] = [];
  for (const reviewer of reviewers ?? []) {
    const match = /^(?:([A-Za-z0-9][A-Za-z0-9-]*)\/)?([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(reviewer);
    if (!match) throw new UsageError(`--reviewer "${reviewer}" is not a GitHub user or ORG/TEAM`, 'e.g. --reviewer octocat or --reviewer acme/platform');
    (match[1] ? teams : users).push(match[2]!);
  }
  if (mergeMethod !== undefined && mergeMethod !== 'merge' && mergeMethod !== 'squash' && mergeMethod !== 'rebase') {
    throw new UsageError(`--merge-method must be merge, squash or rebase, not "${mergeMethod}"`);
  }
  return {
    ...(labels?.length ? { labels } : {}), ...(users.length ? { reviewers: users } : {}), ...(teams.length ? { teamReviewers: teams } : {}),
    ...(mergeMethod !== undefined ? { mergeMethod: mergeMethod as PullRequestSettings['mergeMethod'] } : {}), ...(draft ? { draft: true } : {}),
  };
}

/**
 * `--timeout`: manifest-model's duration rule (`90s`, `10m`, `1h30m`, `500ms`) or, on this command
 * line only, a bare number of seconds.
 */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!isDuration(text)) throw new UsageError(`--timeout "${text}" is not a duration`, 'use e.g. 90s, 10m or 1h30m');
  return parseDurationMs(text);
}

type RunResult = (PromoteResult | PromoteGroupResult) & { live?: WaitLiveResult | undefined };

async function runPromote(flags: PromoteFlags, io: CliIo): Promise<RunResult> {
  const deadline = Date.now() + (flags.waitMergedMs ?? 0);
  const target = await resolveTarget({ repo: flags.repo, forge: flags.forge, apiUrl: flags.forgeApiUrl, githubApiUrl: flags.apiUrl, githubRepo: flags.githubRepo }, io.env, (m) => io.stderr.write(`ferry promote: ${m}\n`));
  // Checked before anything is pushed: the wait itself starts after the commit landed.
  if (flags.waitLive && !target.named) throw needsGitHubRepo(target.gitUrl, '--wait-live reads commit statuses from the GitHub API');
  try {
    return await promoteTo(target, flags, io, deadline);
  } catch (err) {
    // A one-segment git URL names no GitHub repository: what needs the API says how to name one.
    if (!target.named && err instanceof FerryError && (err.code === 'input.missing' || err.code === 'input.missing-auth')) throw needsGitHubRepo(target.gitUrl, err.message);
    throw err;
  }
}

async function promoteTo(target: RepoTarget, flags: PromoteFlags, io: CliIo, deadline: number): Promise<RunResult> {
  const onForge = target.onGitHub || target.forge === 'gitea';
  const wantsPr = flags.push === 'pr' || (flags.push === undefined && onForge);
  const progress = (message: string): void => {
    io.stderr.write(`ferry promote: ${message}\n`);
  };
  // A dry run reads git only; it never needs (or touches) the GitHub API.
  const { host, gitAuth, apiToken, renewingAuth } = await connectRepo(target, io.env, progress, (wantsPr || onForge) && !flags.dryRun);
  if (wantsPr && !host && !flags.dryRun && target.forge === 'gitea') {
    throw new FerryError('input.missing-auth', '--push pr needs Gitea credentials', { hint: 'set FERRY_GITEA_TOKEN (a token of a user who can write to the repository), or use --push direct' });
  }
  if (wantsPr && !host && !flags.dryRun) {
    throw new FerryError('input.missing-auth', '--push pr needs GitHub credentials', { hint: 'set FERRY_GITHUB_TOKEN / GITHUB_TOKEN or FERRY_GITHUB_APP_ID + FERRY_GITHUB_APP_PRIVATE_KEY, or use --push direct' });
  }
  const repo = await openGitWorkspace({ url: target.gitUrl, auth: gitAuth });
  // The promotesFrom gate reads the source environment's branch and the agents' statuses (GitHub API).
  const statuses = statusReaderFor(target, renewingAuth ? async () => (await renewingAuth()).password : apiToken);
  const gate = statuses ? createGateEvidenceReader({
    openHistory: () => openGitHistory({ url: target.gitUrl, auth: renewingAuth ?? gitAuth }),
    statuses,
  }) : undefined;
  try {
    const common = {
      repo, host, env: flags.env, buildTime: flags.buildTime, gate, overrideGate: flags.overrideGate,
      registry: await openImageRegistry(io.env), verifyImage: flags.verifyImage, pinDigest: flags.pinDigest,
      push: flags.push ?? (flags.dryRun && wantsPr ? 'pr' as const : undefined), autoMerge: flags.autoMerge, pullRequest: flags.pullRequest, waitMergedMs: flags.waitMergedMs,
      sourceCommit: flags.sourceCommit, buildUrl: flags.buildUrl, dryRun: flags.dryRun,
      clock: { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) },
      onProgress: progress,
    };
    // Several --image: one commit or pull request for the group (promoteGroup).
    const result: PromoteResult | PromoteGroupResult = flags.group
      ? await promoteGroup({ ...common, images: flags.group })
      : await promote({ ...common, app: flags.app, files: flags.files.length ? flags.files : undefined, image: flags.image, fromEnv: flags.fromEnv, order: flags.order });
    if (!flags.waitLive || result.outcome !== 'promoted') return result;
    return { ...result, live: await runWaitLive(result, flags.waitLive, { ...target, gitAuth, renewingAuth, host, deadline, progress, statuses }) };
  } finally {
    await gate?.close();
    await repo.close();
  }
}

function exitCodeOf(result: Pick<RunResult, 'outcome' | 'live'>): number {
  // A late build: a newer one is in place (or pending), nothing was pushed. Refused like a downgrade.
  if (result.outcome === 'refused' || result.outcome === 'older') return PromoteExit.Refused;
  if (result.live?.outcome === 'failed') return PromoteExit.RolloutFailed;
  if (result.live?.outcome === 'timeout') return PromoteExit.NotMerged;
  if (result.outcome === 'closed' || result.outcome === 'timeout') return PromoteExit.NotMerged;
  return PromoteExit.Ok;
}

export function exitCodeOfError(err: FerryError): number {
  // A promotion branch that holds someone else's commit: refused like a policy refusal, nothing changed.
  if (err.code.startsWith('refused.')) return PromoteExit.Refused;
  if (err.code.startsWith('target.') || err.code === 'config.not-found') return PromoteExit.NotFound;
  if (['git.', 'github.', 'gitea.', 'forge.', 'registry.'].some((prefix) => err.code.startsWith(prefix))) return PromoteExit.RemoteFailed;
  return PromoteExit.BadInput;
}

function formatHuman(r: RunResult): string {
  if ('group' in r) return formatGroupHuman(r);
  const lines = [r.message];
  if (r.verified) lines.push(`registry: ${r.verified.reference} is ${r.verified.digest}${r.verified.index ? ' (multi-arch image index)' : ''}${r.verified.pinned ? ', pinned' : ''}`);
  if (r.diff && r.outcome === 'dry-run') lines.push('', r.diff.trimEnd());
  if (r.pullRequest) lines.push(`pull request: ${r.pullRequest.url}`);
  if (r.mergeSha) lines.push(`merge sha: ${r.mergeSha}`);
  if (r.live) lines.push(`${r.live.outcome === 'live' ? 'live' : 'NOT live'}: ${r.live.message}`);
  return `${lines.join('\n')}\n`;
}

async function writeGitHubActions(io: CliIo, r: RunResult): Promise<void> {
  if (io.env['GITHUB_ACTIONS'] !== 'true') return;
  const output = io.env['GITHUB_OUTPUT'];
  if (output) {
    const values: Record<string, string> = {
      changed: String(r.changed), 'pr-number': r.pullRequest ? String(r.pullRequest.number) : '',
      'pr-url': r.pullRequest?.url ?? '', 'merge-sha': r.mergeSha ?? '', ...(r.live ? { live: r.live.outcome } : {}),
    };
    await appendFile(output, Object.entries(values).map(([k, val]) => `${k}=${val}\n`).join(''));
  }
  const summary = io.env['GITHUB_STEP_SUMMARY'];
  if ('group' in r) {
    if (summary) await appendFile(summary, formatGroupSummary(r));
    return;
  }
  if (summary) {
    // Paths, keys and values come from the repository: code spans, inert in the rendered summary.
    const cell = (text: string) => markdownCode(text, { inTable: true });
    const rows = r.files.flatMap((f) => f.changes.map((c) => `| ${cell(f.path)} | ${c.line} | ${cell(c.field)} | ${cell(c.old)} | ${cell(c.new)} |`));
    const md = [
      `### ferry promote: ${r.app} → ${r.env}`,
      '',
      markdownText(r.message),
      '',
      ...(rows.length ? ['| File | Line | Field | From | To |', '|---|---|---|---|---|', ...rows, ''] : []),
      ...(r.pullRequest ? [`Pull request: ${r.pullRequest.url}`, ''] : []),
      ...(r.mergeSha ? [`Merge sha: \`${r.mergeSha}\``, ''] : []),
      ...(r.live ? [`Live: **${r.live.outcome}**: ${markdownText(r.live.message)}`, ''] : []),
    ].join('\n');
    await appendFile(summary, `${md}\n`);
  }
}
