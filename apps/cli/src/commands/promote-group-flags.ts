// `ferry promote` with several --image: a group promotion (promoteGroup). The flags, the per-app exit
// codes and what is printed (terminal, job summary).
import { parseImageReference } from '@ferry/manifest-model';
import { checkPromotionName, describeVersion, markdownCode, markdownText, type GroupImage, type GroupMemberOutcome, type PromoteGroupResult, type WaitLiveResult } from '@ferry/promoter';
import { ExitCode, UsageError } from '../command.js';

/** Flags a group cannot take: each image's files, version and order come from ferry.yaml. */
type GroupConflicts = { app?: string | undefined; file: boolean; 'from-env'?: string | undefined; tag?: string | undefined; digest?: string | undefined; order?: string | undefined };

/** `--image [APP=]NAME:TAG` given more than once: one entry per app, each with a tag or digest. */
export function parseGroupImages(images: string[], conflicts: GroupConflicts): GroupImage[] {
  const given = Object.entries(conflicts).filter(([, value]) => value !== undefined && value !== false).map(([name]) => `--${name}`);
  if (given.length) {
    throw new UsageError(`several --image make a group promotion, which takes no ${given.join(', ')}`, 'name each image\'s app with --image APP=NAME:TAG (or let ferry.yaml find it by the image); files, policy and order come from ferry.yaml');
  }
  const group: GroupImage[] = [];
  for (const text of images) {
    const at = text.indexOf('=');
    const app = at >= 0 ? text.slice(0, at) : undefined;
    const reference = at >= 0 ? text.slice(at + 1) : text;
    if (app !== undefined) checkPromotionName(app, `--image ${text}: the app`);
    const ref = parseImageReference(reference);
    if (ref.tag === undefined && ref.digest === undefined) throw new UsageError(`--image ${text} has no tag or digest`, 'each image of a group carries its :TAG and/or @DIGEST');
    if (app !== undefined && group.some((g) => g.app === app)) throw new UsageError(`app ${app} is given twice (--image ${text})`, 'pass one --image per app');
    group.push({ ...(app !== undefined ? { app } : {}), image: { name: ref.name, tag: ref.tag, digest: ref.digest } });
  }
  return group;
}

/** An app's own exit code, as `ferry promote` would exit for it alone; `blocked` is refused with its group. */
export function exitCodeOfMember(outcome: GroupMemberOutcome): number {
  if (outcome === 'refused' || outcome === 'older' || outcome === 'blocked') return 4;
  if (outcome === 'closed' || outcome === 'timeout') return 6;
  return ExitCode.Ok;
}

type GroupRun = PromoteGroupResult & { live?: WaitLiveResult | undefined };

/** The group's message, then a line per app (outcome, versions, why). */
export function formatGroupHuman(r: GroupRun): string {
  const lines = [r.message];
  for (const a of r.apps) {
    const versions = `${a.from.map(describeVersion).join(', ') || '(none)'} -> ${describeVersion(a.to)}`;
    lines.push(`  ${a.app}: ${a.outcome} ${versions}${a.outcome === 'refused' || a.outcome === 'older' || a.outcome === 'unchanged' ? ` (${a.message})` : ''}`);
  }
  if (r.diff && r.outcome === 'dry-run') lines.push('', r.diff.trimEnd());
  if (r.pullRequest) lines.push(`pull request: ${r.pullRequest.url}`);
  if (r.mergeSha) lines.push(`merge sha: ${r.mergeSha}`);
  if (r.live) lines.push(`${r.live.outcome === 'live' ? 'live' : 'NOT live'}: ${r.live.message}`);
  return `${lines.join('\n')}\n`;
}

/** The job summary: the group's outcome and a row per app; repository text in code spans. */
export function formatGroupSummary(r: GroupRun): string {
  const cell = (text: string) => markdownCode(text, { inTable: true });
  const md = [
    `### ferry promote: ${r.group.join(', ')} → ${r.env}`,
    '',
    markdownText(r.message),
    '',
    '| App | Outcome | From | To | Image |',
    '|---|---|---|---|---|',
    ...r.apps.map((a) => `| ${a.app} | ${a.outcome === 'refused' && a.reason === 'hold' ? 'held' : a.outcome} | ${cell(a.from.map(describeVersion).join(', ') || '(none)')} | ${cell(describeVersion(a.to))} | ${cell(a.image)} |`),
    '',
    ...(r.pullRequest ? [`Pull request: ${r.pullRequest.url}`, ''] : []),
    ...(r.mergeSha ? [`Merge sha: \`${r.mergeSha}\``, ''] : []),
    ...(r.live ? [`Live: **${r.live.outcome}**: ${markdownText(r.live.message)}`, ''] : []),
  ];
  return `${md.join('\n')}\n`;
}
