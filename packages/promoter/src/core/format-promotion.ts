import { FerryError, parseImageReference } from '@ferry/manifest-model';
import { markdownCode, markdownLink } from './markdown-text.js';
import { checkBuildTime } from './order-versions.js';
import { describeVersion, describeVersions, formatPromotedImage, type VersionSummary } from './plan-promotion.js';
import { checkBuildUrl, checkGateOverrideReason, checkPromotionName, checkSourceCommit, escapeControlCharacters } from './promotion-input.js';
import { readTrailerBlock, Trailer } from './promotion-trailers.js';
import type { FilePlan } from './set-image.js';

export { formatPromotionBranch, formatReleaseHoldBranch, isSameSubject, promotionSubjectOf, type PromotionSubject } from './promotion-branch.js';
export { readPromotionTrailers, readTrailerBlock, Trailer, type PromotionTrailers } from './promotion-trailers.js';

export interface PromotionDescription {
  app: string;
  env: string;
  image: string;
  from: VersionSummary[];
  to: VersionSummary;
  files: FilePlan[];
  sourceCommit?: string | undefined;
  buildUrl?: string | undefined;
  /** RFC 3339 (`--build-time`), recorded as the `Ferry-Build-Time` trailer. */
  buildTime?: string | undefined;
  /** `--override-gate REASON`: promoted past the `promotesFrom` gate. */
  gateOverride?: string | undefined;
}

/**
 * The last line of defence: whatever a caller passes, nothing that reaches a trailer or the pull
 * request can break a line or smuggle in another key (the CLI refused it earlier, naming the flag).
 */
export function checkPromotionDescription(d: PromotionDescription): void {
  checkPromotionName(d.app, 'the app name');
  checkPromotionName(d.env, 'the environment');
  const image = formatPromotedImage(d.image, d.to);
  const ref = parseImageReference(image);
  if (ref.tag === undefined && ref.digest === undefined) throw new FerryError('input.missing', `nothing to promote: ${image} has no tag or digest`);
  if (d.sourceCommit !== undefined && d.sourceCommit !== '') checkSourceCommit(d.sourceCommit, 'the source commit');
  if (d.buildUrl !== undefined && d.buildUrl !== '') checkBuildUrl(d.buildUrl, 'the build URL');
  if (d.buildTime !== undefined && d.buildTime !== '') checkBuildTime(d.buildTime, 'the build time');
  if (d.gateOverride !== undefined) checkGateOverrideReason(d.gateOverride, 'the gate override reason');
}

/** Subject `promote web to staging: 1.4.1 -> 1.4.2`, a body with the edits, then trailers. */
export function formatCommitMessage(d: PromotionDescription): string {
  checkPromotionDescription(d);
  // Old versions, paths and keys come from the repository's files: shown, never able to break a line.
  const line = escapeControlCharacters;
  const from = line(describeVersions(d.from));
  const subject = `promote ${d.app} to ${d.env}: ${from} -> ${describeVersion(d.to)}`;
  const body = [
    `${d.image}: ${from} -> ${formatPromotedImage(d.image, d.to)}`,
    '',
    ...changedLines(d.files).map((c) => `- ${line(c.path)}:${c.line} ${line(c.field)}: ${line(c.old)} -> ${line(c.new)}`),
  ];
  if (d.sourceCommit || d.buildUrl) body.push('');
  if (d.sourceCommit) body.push(`Source commit: ${d.sourceCommit}`);
  if (d.buildUrl) body.push(`Build: ${d.buildUrl}`);
  const trailers = [
    `${Trailer.App}: ${d.app}`,
    `${Trailer.Env}: ${d.env}`,
    `${Trailer.Image}: ${formatPromotedImage(d.image, d.to)}`,
  ];
  if (d.sourceCommit) trailers.push(`${Trailer.SourceCommit}: ${d.sourceCommit}`);
  if (d.buildUrl) trailers.push(`${Trailer.BuildUrl}: ${d.buildUrl}`);
  if (d.buildTime) trailers.push(`${Trailer.BuildTime}: ${d.buildTime}`);
  if (d.gateOverride !== undefined) trailers.push(`${Trailer.GateOverride}: ${d.gateOverride}`);
  return `${subject}\n\n${body.join('\n')}\n\n${trailers.join('\n')}\n`;
}

/**
 * The trailers of a commit message's final trailer block, one value per key (the first). Kept for
 * callers that only display trailers; to trust a commit as a promotion use readPromotionTrailers.
 */
export function parseTrailers(message: string): Record<string, string> {
  const block = readTrailerBlock(message);
  return Object.fromEntries([...(block ?? new Map<string, string[]>())].map(([k, v]) => [k, v[0]!]));
}

/** Marks our PRs so a later run recognises them without trusting the title. */
export function formatPullRequestMarker(env: string, app: string): string {
  checkPromotionName(env, 'the environment');
  checkPromotionName(app, 'the app name');
  return `<!-- ferry:promotion env=${env} app=${app} -->`;
}

/**
 * Title and body of the promotion PR. Everything that comes from users or files is inert: code
 * spans (no Markdown, HTML or @mentions), and the build URL as a link only because it was
 * validated as http(s).
 */
export function formatPullRequest(d: PromotionDescription): { title: string; body: string } {
  checkPromotionDescription(d);
  const title = `Promote ${d.app} to ${d.env}: ${describeVersion(d.to)}`;
  const cell = (text: string) => markdownCode(text, { inTable: true });
  const rows = changedLines(d.files).map((c) => `| ${cell(c.path)} | ${c.line} | ${cell(c.field)} | ${cell(c.old)} | ${cell(c.new)} |`);
  const lines = [
    formatPullRequestMarker(d.env, d.app),
    `Promotes **${d.app}** to **${d.env}**: ${markdownCode(describeVersions(d.from))} → ${markdownCode(describeVersion(d.to))}`,
    '',
    `Image: ${markdownCode(formatPromotedImage(d.image, d.to))}`,
    '',
    '| File | Line | Field | From | To |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
  if (d.sourceCommit) lines.push(`Source commit: ${markdownCode(d.sourceCommit)}`);
  if (d.buildUrl) lines.push(`Build: ${markdownLink(d.buildUrl)}`);
  if (d.gateOverride !== undefined) lines.push('', `**Gate overridden** (promoted without the promotesFrom check): ${markdownCode(d.gateOverride)}`);
  lines.push('', '<sub>Opened by `ferry promote`. A newer build of this app updates this pull request instead of opening another.</sub>');
  return { title, body: `${lines.join('\n')}\n` };
}

function changedLines(files: FilePlan[]): { path: string; line: number; field: string; old: string; new: string }[] {
  return files.flatMap((f) => f.changes.map((c) => ({ path: f.path, line: c.line, field: c.yamlPath.join('.'), old: c.old, new: c.new })));
}
