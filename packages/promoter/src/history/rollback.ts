import { FerryError, parseFerryConfig, resolveAppEnvironment, tryParseImageReference } from '@ferry/manifest-model';
import { markdownCode } from '../core/markdown-text.js';
import { checkPromotionName, checkPromotionText, escapeControlCharacters, findUnsafeCharacter } from '../core/promotion-input.js';
import { describeVersion, formatPromotedImage, type VersionSummary } from '../core/plan-promotion.js';
import { findImageOccurrences } from '../core/set-image.js';
import { promote, type PromoteOptions, type PromoteResult } from '../promote.js';
import type { GitHistory, HistoryCommit } from './git-history.js';
import { chooseRollbackVersion, readPromotionRecords, RollbackTrailer, sameVersion, type PromotionRecord } from './promotion-records.js';
import { setHold } from './set-hold.js';

export interface RollbackOptions extends Omit<PromoteOptions, 'image' | 'fromEnv' | 'files' | 'override' | 'app'> {
  app: string;
  history: GitHistory;
  /** A tag, digest or full reference promoted to the environment before; default: the previous one. */
  to?: string | undefined;
  /** Recorded in the hold and the commit. */
  reason?: string | undefined;
  by?: string | undefined;
  /** ISO time for the hold's `since`. */
  now: () => Date;
  /** Commits of history searched for promotions. */
  depth?: number | undefined;
}

export interface RollbackResult extends PromoteResult {
  rollback: { from: VersionSummary[]; to: PromotionRecord; hold: { reason: string; by?: string | undefined; since: string } };
}

const CONFIG_FILE = 'ferry.yaml';

/**
 * A promotion back to an earlier version found in history (the Ferry-* trailers), through
 * promote() with policy and hold lifted for this one change, marked as a rollback, and with a
 * `hold` written to ferry.yaml in the same commit so automation does not undo it until a human
 * removes the hold.
 */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const { repo, app, env } = options;
  checkPromotionName(app, 'the app name');
  checkPromotionName(env, 'the environment');
  if (options.reason !== undefined) checkPromotionText(options.reason, 'the rollback reason');
  if (options.by !== undefined) checkPromotionText(options.by, 'the rollback author (by)');
  const progress = options.onProgress ?? (() => {});
  const defaultBranch = await repo.fetchDefaultBranch();
  if (defaultBranch === null) throw new FerryError('target.not-found', 'the repository is empty (no default branch)', { hint: 'check --repo' });
  const configText = (await repo.readFiles(defaultBranch.head, [CONFIG_FILE])).get(CONFIG_FILE);
  if (configText === null || configText === undefined) throw new FerryError('config.not-found', `rollback needs ${CONFIG_FILE} at the root of ${defaultBranch.branch}`, { hint: 'see docs/ferry-yaml.md' });
  const resolved = resolveAppEnvironment(parseFerryConfig(configText, CONFIG_FILE), app, env);
  const branch = resolved.environment.branch;
  if (branch !== defaultBranch.branch) {
    throw new FerryError('input.unsupported', `environment ${env} lives on ${branch}, but ferry.yaml (where the hold goes) is on ${defaultBranch.branch}`, { hint: 'roll back with `ferry promote` and add the hold to ferry.yaml by hand' });
  }

  const base = await repo.fetchBranch(branch);
  if (base === null) throw new FerryError('target.not-found', `branch ${branch} of environment ${env} does not exist`);
  const contents = await repo.readFiles(base, resolved.files.map((f) => f.path));
  const current = distinct(resolved.files.flatMap((f) => {
    const content = contents.get(f.path);
    return content ? findImageOccurrences([{ path: f.path, content }], resolved.image, f.key).map((o) => ({ tag: o.tag, digest: o.digest })) : [];
  }));

  progress(`reading the history of ${branch} for promotions of ${app} to ${env}`);
  const log = await options.history.log(branch, options.depth ?? 500);
  const records = readPromotionRecords(log, app, env, resolved.image);
  const target = await chooseWithFallback(options, records, current, log, resolved);
  const fromImage = formatPromotedImage(resolved.image, current[0] ?? {});
  const since = options.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const hold = { reason: options.reason ?? `rolled back from ${describeVersion(current[0] ?? {})} to ${describeVersion(target.version)}`, ...(options.by ? { by: options.by } : {}), since };
  progress(`rolling ${app} in ${env} back from ${current.map(describeVersion).join(', ')} to ${describeVersion(target.version)} (found at ${target.commit.slice(0, 12)})`);

  const result = await promote({
    ...options,
    image: { name: resolved.image, tag: target.version.tag, digest: target.version.digest },
    override: {
      ignorePolicy: true,
      async extraEdits(read) {
        const text = (await read([CONFIG_FILE])).get(CONFIG_FILE);
        if (!text) throw new FerryError('config.not-found', `${CONFIG_FILE} disappeared from ${branch}`);
        return [{ path: CONFIG_FILE, content: setHold(text, app, env, hold) }];
      },
      describe: {
        commitMessage: (message) => markCommit(message, app, env, fromImage, hold.reason),
        pullRequest: ({ title, body }) => ({
          title: title.replace(/^Promote (\S+) to (\S+): /, 'Roll back $1 in $2 to '),
          body: `**Rollback** from ${markdownCode(fromImage)}: ${markdownCode(hold.reason)}\n\nSets a \`hold\` on ${app} in ${env} in ferry.yaml: automated promotions are refused until it is removed.\n\n${body}`,
        }),
      },
    },
  });
  return { ...result, rollback: { from: current, to: target, hold } };
}

/**
 * When no earlier promotion is recorded (the first version came from the repo's own history, not
 * from ferry promote), the version in the files just before the promotion in place is the previous one.
 */
async function chooseWithFallback(
  options: RollbackOptions, records: PromotionRecord[], current: VersionSummary[], log: HistoryCommit[],
  resolved: { image: string; files: { path: string; key?: string | undefined }[] },
): Promise<PromotionRecord> {
  try {
    return chooseRollbackVersion(records, current, options.to);
  } catch (err) {
    if (options.to !== undefined || !(err instanceof FerryError) || err.code !== 'target.not-found') throw err;
    const inPlace = records.find((r) => current.some((v) => sameVersion(v, r.version)));
    const parent = inPlace ? log.find((c) => c.oid === inPlace.commit)?.parents[0] : undefined;
    if (!inPlace || !parent) throw err;
    const files = await options.history.readFiles(parent, resolved.files.map((f) => f.path));
    const before = distinct(resolved.files.flatMap((f) => {
      const content = files.get(f.path);
      return content ? findImageOccurrences([{ path: f.path, content }], resolved.image, f.key).map((o) => ({ tag: o.tag, digest: o.digest })) : [];
    }));
    const rolledBack = new Set(records.flatMap((r) => (r.rollbackFrom ? [r.rollbackFrom] : [])));
    const version = before.length === 1 ? before[0]! : undefined;
    if (!version || current.some((v) => sameVersion(v, version)) || rolledBack.has(formatPromotedImage(resolved.image, version))) throw err;
    return { commit: parent, time: 0, image: formatPromotedImage(resolved.image, version), version };
  }
}

/** `roll back web in prod: ...`, the reason in the body, and the Ferry-Rollback-From trailer. */
function markCommit(message: string, app: string, env: string, fromImage: string, reason: string): string {
  const subject = message.replace(/^promote \S+ to \S+: /, `roll back ${app} in ${env}: `);
  const paragraphs = subject.trimEnd().split('\n\n');
  const trailers = paragraphs.pop()!;
  // What the files held may not be a valid reference (a hand edit): then there is nothing to skip later.
  const from = tryParseImageReference(fromImage) && !findUnsafeCharacter(fromImage) ? `\n${RollbackTrailer}: ${fromImage}` : '';
  return `${[...paragraphs, `Rollback: ${escapeControlCharacters(reason)}\nHold set on ${app} in ${env} (ferry.yaml).`, `${trailers}${from}`].join('\n\n')}\n`;
}

function distinct(versions: VersionSummary[]): VersionSummary[] {
  const seen = new Map<string, VersionSummary>();
  for (const v of versions) seen.set(`${v.tag ?? ''}@${v.digest ?? ''}`, v);
  return [...seen.values()];
}
