import { FerryError } from '@ferry/manifest-model';
import { checkPromotionDescription, formatCommitMessage, formatPullRequest, type PromotionDescription } from './format-promotion.js';
import { markdownCode, markdownLink } from './markdown-text.js';
import { describeVersion, describeVersions, formatPromotedImage } from './plan-promotion.js';
import { checkPromotionName, escapeControlCharacters } from './promotion-input.js';
import { Trailer } from './promotion-trailers.js';

/**
 * A group promotion's commit: subject `promote web, api to staging`, a body paragraph per app, and
 * one trailer block repeating each app's trailers (`Ferry-App` first), which
 * readPromotionRecordSet reads back per app. A group in which one app changes is that app's
 * ordinary single-app commit.
 */
export function formatGroupCommitMessage(members: readonly PromotionDescription[]): string {
  const [first] = checkGroup(members);
  if (members.length === 1) return formatCommitMessage(first);
  const line = escapeControlCharacters;
  const subject = `promote ${members.map((m) => m.app).join(', ')} to ${first.env}`;
  const body: string[] = [];
  for (const d of members) {
    body.push(`${d.app}: ${d.image}: ${line(describeVersions(d.from))} -> ${formatPromotedImage(d.image, d.to)}`);
    for (const f of d.files) for (const c of f.changes) body.push(`- ${line(f.path)}:${c.line} ${line(c.yamlPath.join('.'))}: ${line(c.old)} -> ${line(c.new)}`);
    body.push('');
  }
  if (first.sourceCommit) body.push(`Source commit: ${first.sourceCommit}`);
  if (first.buildUrl) body.push(`Build: ${first.buildUrl}`);
  const trailers = members.flatMap((d) => [
    `${Trailer.App}: ${d.app}`,
    `${Trailer.Env}: ${d.env}`,
    `${Trailer.Image}: ${formatPromotedImage(d.image, d.to)}`,
    ...(d.sourceCommit ? [`${Trailer.SourceCommit}: ${d.sourceCommit}`] : []),
    ...(d.buildUrl ? [`${Trailer.BuildUrl}: ${d.buildUrl}`] : []),
    ...(d.buildTime ? [`${Trailer.BuildTime}: ${d.buildTime}`] : []),
    ...(d.gateOverride !== undefined ? [`${Trailer.GateOverride}: ${d.gateOverride}`] : []),
  ]);
  return `${subject}\n\n${body.join('\n').replace(/\n+$/, '')}\n\n${trailers.join('\n')}\n`;
}

/** Marks a group's pull request: the environment and every app of the group. */
export function formatGroupPullRequestMarker(env: string, apps: readonly string[]): string {
  checkPromotionName(env, 'the environment');
  for (const app of apps) checkPromotionName(app, 'the app name');
  return `<!-- ferry:promotion env=${env} group=${[...apps].sort().join(',')} -->`;
}

/**
 * Title `Promote web, api to staging` and a body with a section per app (versions, image, the
 * edited lines), inert as formatPullRequest's: code spans, and only a validated build URL as a link.
 */
export function formatGroupPullRequest(members: readonly PromotionDescription[], groupApps: readonly string[]): { title: string; body: string } {
  const [first] = checkGroup(members);
  if (members.length === 1 && groupApps.length === 1) return formatPullRequest(first);
  const title = `Promote ${members.map((m) => `${m.app} ${describeVersion(m.to)}`).join(', ')} to ${first.env}`;
  const cell = (text: string) => markdownCode(text, { inTable: true });
  const lines = [
    formatGroupPullRequestMarker(first.env, groupApps),
    `Promotes ${members.length} app${members.length === 1 ? '' : 's'} to **${first.env}** together (one commit, all or nothing):`,
    '',
    '| App | From | To | Image |',
    '|---|---|---|---|',
    ...members.map((d) => `| **${d.app}** | ${cell(describeVersions(d.from))} | ${cell(describeVersion(d.to))} | ${cell(formatPromotedImage(d.image, d.to))} |`),
    '',
    '| App | File | Line | Field | From | To |',
    '|---|---|---|---|---|---|',
    ...members.flatMap((d) => d.files.flatMap((f) => f.changes.map((c) => `| ${d.app} | ${cell(f.path)} | ${c.line} | ${cell(c.yamlPath.join('.'))} | ${cell(c.old)} | ${cell(c.new)} |`))),
    '',
  ];
  if (first.sourceCommit) lines.push(`Source commit: ${markdownCode(first.sourceCommit)}`);
  if (first.buildUrl) lines.push(`Build: ${markdownLink(first.buildUrl)}`);
  for (const d of members) {
    if (d.gateOverride !== undefined) lines.push('', `**Gate overridden for ${d.app}** (promoted without the promotesFrom check): ${markdownCode(d.gateOverride)}`);
  }
  lines.push('', `<sub>Opened by \`ferry promote\` for the group ${groupApps.map((a) => `\`${a}\``).join(', ')}. The next build of this group updates this pull request instead of opening another.</sub>`);
  return { title, body: `${lines.join('\n')}\n` };
}

function checkGroup(members: readonly PromotionDescription[]): [PromotionDescription, ...PromotionDescription[]] {
  const [first] = members;
  if (!first) throw new FerryError('input.missing', 'a group promotion needs at least one app');
  const seen = new Set<string>();
  for (const d of members) {
    checkPromotionDescription(d);
    if (d.env !== first.env) throw new FerryError('input.conflict', `a group promotes into one environment: ${d.app} names ${d.env}, ${first.app} ${first.env}`);
    if (seen.has(d.app)) throw new FerryError('input.conflict', `app ${d.app} appears twice in the group`);
    seen.add(d.app);
  }
  return members as [PromotionDescription, ...PromotionDescription[]];
}
