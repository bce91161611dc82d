import { escapeControlCharacters } from './promotion-input.js';

/**
 * Text from users or the repository, rendered inert in a pull request body: a code span, so no
 * Markdown, HTML, link, image or @mention inside it is interpreted. The fence is longer than any
 * run of backticks in the text; control characters are shown as escapes (a line break would end
 * the span, or the table row). In a table cell `|` is escaped as GFM requires even inside code.
 */
export function markdownCode(text: string, options: { inTable?: boolean } = {}): string {
  let body = escapeControlCharacters(text);
  if (options.inTable) body = body.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  // A span that starts or ends with a backtick (or is all spaces) needs a space on both sides.
  const pad = body.startsWith('`') || body.endsWith('`') || (body !== '' && body.trim() === '') ? ' ' : '';
  return body === '' ? '` `' : `${fence}${pad}${body}${pad}${fence}`;
}

/** A validated http(s) URL as an autolink (`<...>`): its serialised form has no space, `<` or `>`. */
export function markdownLink(url: string): string {
  return `<${new URL(url).href}>`;
}

/**
 * One line of plain text in Markdown (a job summary's message): control characters escaped and
 * every character Markdown or HTML could act on backslash-escaped, so it renders as written.
 */
export function markdownText(text: string): string {
  return escapeControlCharacters(text).replace(/[\\`*_{}[\]()#+!|<>~@&]/g, '\\$&');
}
