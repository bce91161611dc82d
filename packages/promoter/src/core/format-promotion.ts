import type { FilePlan } from './set-image.js';
import { describeVersion, describeVersions, formatPromotedImage, type VersionSummary } from './plan-promotion.js';

export interface PromotionDescription {
  app: string;
  env: string;
  image: string;
  from: VersionSummary[];
  to: VersionSummary;
  files: FilePlan[];
  sourceCommit?: string | undefined;
  buildUrl?: string | undefined;
}

/** Trailer keys later commands search history by (`git log --grep '^Ferry-App: web$'`). */
export const Trailer = {
  App: 'Ferry-App',
  Env: 'Ferry-Env',
  Image: 'Ferry-Image',
  SourceCommit: 'Ferry-Source-Commit',
  BuildUrl: 'Ferry-Build-Url',
} as const;

/** Deterministic per (env, app), so a newer build updates the open promotion PR instead of opening another. */
export function formatPromotionBranch(env: string, app: string): string {
  return `ferry/${sanitizeRefPart(env)}/${sanitizeRefPart(app)}`;
}

/** Subject `promote web to staging: 1.4.1 -> 1.4.2`, a body with the edits, then trailers. */
export function formatCommitMessage(d: PromotionDescription): string {
  const subject = `promote ${d.app} to ${d.env}: ${describeVersions(d.from)} -> ${describeVersion(d.to)}`;
  const body = [
    `${d.image}: ${describeVersions(d.from)} -> ${formatPromotedImage(d.image, d.to)}`,
    '',
    ...changedLines(d.files).map((c) => `- ${c.path}:${c.line} ${c.field}: ${c.old} -> ${c.new}`),
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
  return `${subject}\n\n${body.join('\n')}\n\n${trailers.join('\n')}\n`;
}

/** Parses the trailers of a commit message (last paragraph, `Key: value` lines). */
export function parseTrailers(message: string): Record<string, string> {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  const trailers: Record<string, string> = {};
  for (const line of last.split('\n')) {
    const m = /^([A-Za-z0-9-]+): (.*)$/.exec(line);
    if (m) trailers[m[1]!] = m[2]!;
  }
  return trailers;
}

/** Marks our PRs so a later run recognises them without trusting the title. */
export function formatPullRequestMarker(env: string, app: string): string {
  return `<!-- ferry:promotion env=${env} app=${app} -->`;
}

export function formatPullRequest(d: PromotionDescription): { title: string; body: string } {
  const title = `Promote ${d.app} to ${d.env}: ${describeVersion(d.to)}`;
  const rows = changedLines(d.files).map((c) => `| \`${c.path}\` | ${c.line} | \`${c.field}\` | \`${c.old}\` | \`${c.new}\` |`);
  const lines = [
    formatPullRequestMarker(d.env, d.app),
    `Promotes **${d.app}** to **${d.env}**: \`${describeVersions(d.from)}\` → \`${describeVersion(d.to)}\``,
    '',
    `Image: \`${formatPromotedImage(d.image, d.to)}\``,
    '',
    '| File | Line | Field | From | To |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
  if (d.sourceCommit) lines.push(`Source commit: \`${d.sourceCommit}\``);
  if (d.buildUrl) lines.push(`Build: ${d.buildUrl}`);
  lines.push('', '<sub>Opened by `ferry promote`. A newer build of this app updates this pull request instead of opening another.</sub>');
  return { title, body: `${lines.join('\n')}\n` };
}

function changedLines(files: FilePlan[]): { path: string; line: number; field: string; old: string; new: string }[] {
  return files.flatMap((f) => f.changes.map((c) => ({ path: f.path, line: c.line, field: c.yamlPath.join('.'), old: c.old, new: c.new })));
}

function sanitizeRefPart(part: string): string {
  return part.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '').replace(/\.\.+/g, '.') || 'app';
}
