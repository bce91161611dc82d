import { FerryError } from '@ferry/manifest-model';

/**
 * Rules for the text that reaches a commit message (its trailers), a branch name or a pull request:
 * the environment, the app, the build URL, the source commit, a rollback's reason and author. The
 * CLI checks its flags with these (exit 2, naming the flag); the formatters check again, so a
 * library caller cannot forge a trailer either.
 */

/**
 * C0 controls (newline, carriage return and tab included), DEL, C1 controls (U+0085 next line
 * among them), the Unicode line and paragraph separators, and the bidirectional embedding,
 * override and isolate controls that make text read differently from what it is ("Trojan Source").
 */
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
const UNSAFE_GLOBAL = new RegExp(UNSAFE.source, 'g');

/** ferry.yaml's rule for environment and app names (manifest-model's config schema). */
const NAME = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;

/** `U+000A`-style name of a character. */
export function codePointName(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first character that may not reach a trailer, branch or PR text, with its 1-based position. */
export function findUnsafeCharacter(text: string): { position: number; codePoint: string } | undefined {
  const match = UNSAFE.exec(text);
  return match ? { position: match.index + 1, codePoint: codePointName(match[0]) } : undefined;
}

/** Throws `input.control-character` when `text` holds a control or line-breaking character. */
export function checkPromotionText(text: string, what: string): void {
  const bad = findUnsafeCharacter(text);
  if (!bad) return;
  throw new FerryError('input.control-character', `${what} contains the control character ${bad.codePoint} at position ${bad.position}`, {
    hint: `${what} is written into commit messages and pull requests as one line; remove line breaks, tabs and other control characters`,
  });
}

export function isPromotionName(name: string): boolean {
  return NAME.test(name);
}

/** Environments and apps: the names ferry.yaml accepts (so trailers and branches can be read back). */
export function checkPromotionName(name: string, what: string): void {
  checkPromotionText(name, what);
  if (!isPromotionName(name)) {
    throw new FerryError('input.invalid-name', `${what} "${name}" is not a valid name`, {
      hint: 'use lowercase letters, digits, ".", "_" and "-", starting and ending with a letter or digit (as in ferry.yaml)',
    });
  }
}

/** A git object id, full or abbreviated as git abbreviates (4 to 64 lower-case hex digits: SHA-1 or SHA-256). */
export function isSourceCommit(text: string): boolean {
  return /^[0-9a-f]{4,64}$/.test(text);
}

export function checkSourceCommit(text: string, what: string): void {
  checkPromotionText(text, what);
  if (!isSourceCommit(text)) {
    throw new FerryError('input.invalid-source-commit', `${what} "${text}" is not a git commit id`, {
      hint: 'pass the commit the image was built from as 4 to 64 lower-case hex digits, e.g. $GITHUB_SHA',
    });
  }
}

const MAX_URL_LENGTH = 2048;

/** Why `text` is not an acceptable build URL (http or https, no credentials, no spaces), or undefined. */
export function explainInvalidBuildUrl(text: string): string | undefined {
  if (findUnsafeCharacter(text)) return undefined; // reported as a control character by the caller
  if (text.length > MAX_URL_LENGTH) return `it is ${text.length} characters long; at most ${MAX_URL_LENGTH} are allowed`;
  if (/\s/.test(text)) return 'it contains whitespace';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it is not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `its scheme is "${url.protocol.replace(/:$/, '')}"; only http and https are allowed`;
  if (url.username || url.password) return 'it carries credentials (user:password@)';
  return undefined;
}

export function isBuildUrl(text: string): boolean {
  return findUnsafeCharacter(text) === undefined && explainInvalidBuildUrl(text) === undefined;
}

export function checkBuildUrl(text: string, what: string): void {
  checkPromotionText(text, what);
  const why = explainInvalidBuildUrl(text);
  if (why) throw new FerryError('input.invalid-build-url', `${what} "${text}" is not a build URL: ${why}`, { hint: 'pass the http(s) URL of the CI run, e.g. $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID' });
}

/**
 * Text read from the repository (paths, YAML keys, old values) shown on one line: control and
 * line-breaking characters become visible escapes (`\n`, `\u2028`), so the text can never start
 * a new line or paragraph (a trailer) of a commit message.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE_GLOBAL, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** `--override-gate REASON`: one line of 1-200 characters, no control characters, no surrounding spaces. */
export function isGateOverrideReason(text: string): boolean {
  return text.length > 0 && text.length <= 200 && text.trim() === text && findUnsafeCharacter(text) === undefined;
}

export function checkGateOverrideReason(text: string, what: string): void {
  checkPromotionText(text, what);
  if (!isGateOverrideReason(text)) {
    throw new FerryError('input.invalid', `${what} must be a reason of 1-200 characters without leading or trailing spaces (got ${text.length} characters)`, {
      hint: 'say why the gate is overridden, e.g. --override-gate "hotfix for INC-231, staging is down"',
    });
  }
}
