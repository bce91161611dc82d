/**
 * How the versions of one app are ordered, so "newest wins" and "never downgrade" hold for any tag
 * scheme: `semver` (1.4.2 < 1.10.0), `numeric` (a number taken from the tag by a pattern's named
 * group, e.g. the CI run number in `main-3f9c2d1-418`) or `build-time` (the build's own time,
 * recorded in the promotion's `Ferry-Build-Time` trailer). Pure: shared by ferry.yaml's schema and
 * the `--order-pattern` flag so both refuse the same patterns with the same words.
 */
export const ORDER_KINDS = ['semver', 'numeric', 'build-time'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

export interface VersionOrder {
  by: OrderKind;
  /** `numeric` only: a regular expression with exactly one named group holding the number. */
  pattern?: string | undefined;
}

/** OCI tags are at most 128 characters; a pattern only ever runs on text this long or shorter. */
export const MAX_ORDERED_TAG_LENGTH = 128;
const MAX_PATTERN_LENGTH = 256;
/**
 * Without nesting, the worst backtracking a pattern can do on a tag is bounded by the product of
 * the ways each quantifier can match: up to 129 for `*`, `+` and `{n,}` on a 128-character tag,
 * 2 for `?`, m-n+1 for `{n,m}`. This bound allows three unbounded quantifiers and two optional ones
 * (`^v?[0-9]+\.[0-9]+\.(?<build>[0-9]+)$`), whose worst case runs in milliseconds (the tests time
 * it), and refuses a fourth unbounded one, whose worst case already takes a fifth of a second.
 */
const MAX_BACKTRACKING = 4 * (MAX_ORDERED_TAG_LENGTH + 1) ** 3;

/**
 * Why `pattern` cannot order tags, or undefined when it can. It must compile, hold exactly one
 * named group (`(?<run>[0-9]+)`), and be unable to backtrack catastrophically: no quantifier inside
 * a quantified group (`(a+)+`), no alternation inside a quantified group (`(a|ab)*`), no
 * backreference or lookaround, at most three quantifiers. It only ever runs on tags of at most
 * 128 characters.
 */
export function explainInvalidOrderPattern(pattern: string): string | undefined {
  if (pattern === '') return 'the pattern is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `the pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are allowed`;
  try {
    new RegExp(pattern);
  } catch (err) {
    return `it is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`;
  }
  const scan = scanPattern(pattern);
  if (typeof scan === 'string') return scan;
  if (scan.groups.length !== 1) {
    return scan.groups.length === 0
      ? 'it has no named group: name the part holding the number, e.g. (?<run>[0-9]+)'
      : `it has ${scan.groups.length} named groups (${scan.groups.join(', ')}); use exactly one, around the number`;
  }
  if (scan.backtracking > MAX_BACKTRACKING) {
    return `it has too many quantifiers (${scan.quantifiers}) for matching to be bounded: at most three unbounded ones (*, +, {n,}) and two optional ones (?) are allowed`;
  }
  return undefined;
}

export function isValidOrderPattern(pattern: string): boolean {
  return explainInvalidOrderPattern(pattern) === undefined;
}

/** The number a `numeric` pattern extracts from `tag`, or undefined when the tag does not match. */
export function extractOrderNumber(pattern: string, tag: string): bigint | undefined {
  if (tag.length > MAX_ORDERED_TAG_LENGTH || explainInvalidOrderPattern(pattern) !== undefined) return undefined;
  const match = new RegExp(pattern).exec(tag);
  const groups = match?.groups ? Object.values(match.groups) : [];
  const value = groups[0];
  return value !== undefined && /^[0-9]{1,40}$/.test(value) ? BigInt(value) : undefined;
}

interface Frame { quantified: boolean; alternation: boolean }

/**
 * One pass over the pattern's syntax (it already compiled): named groups, quantifier count, and the
 * constructs that make a backtracking engine exponential. Conservative: it refuses some safe
 * patterns (`(ab)+`-style groups are fine only without inner quantifiers or `|`).
 */
function scanPattern(pattern: string): { groups: string[]; quantifiers: number; backtracking: number } | string {
  const groups: string[] = [];
  const stack: Frame[] = [{ quantified: false, alternation: false }];
  let quantifiers = 0;
  let backtracking = 1;
  /** What the next quantifier applies to: a group just closed (its frame), or a plain atom. */
  let last: Frame | 'atom' | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'it uses a backreference (\\1, \\k<name>), which can make matching hang';
      i++;
      last = 'atom';
      continue;
    }
    if (c === '[') {
      // A character class is one atom: skip to its closing bracket.
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
      last = 'atom';
      continue;
    }
    if (c === '(') {
      const rest = pattern.slice(i);
      if (/^\(\?(=|!|<=|<!)/.test(rest)) return 'it uses a lookahead or lookbehind, which can make matching hang';
      const named = /^\(\?<([A-Za-z_$][\w$]*)>/.exec(rest);
      if (named) {
        groups.push(named[1]!);
        i += named[0].length - 1;
      } else if (rest.startsWith('(?:')) {
        i += 2;
      } else if (rest.startsWith('(?')) {
        return 'it uses a group modifier Ferry does not accept; use (...), (?:...) or (?<name>...)';
      }
      stack.push({ quantified: false, alternation: false });
      last = undefined;
      continue;
    }
    if (c === ')') {
      const closed = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= closed.quantified;
      parent.alternation ||= closed.alternation;
      last = closed;
      continue;
    }
    if (c === '|') {
      top.alternation = true;
      last = undefined;
      continue;
    }
    const quantifier = /^(?:[*+?]|\{\d+(?:,\d*)?\})/.exec(pattern.slice(i));
    if (quantifier && last !== undefined) {
      quantifiers++;
      backtracking *= waysOf(quantifier[0]);
      if (last !== 'atom' && (last.quantified || last.alternation)) {
        return last.quantified
          ? 'it repeats a group that holds a quantifier (like (a+)+), which can make matching hang'
          : 'it repeats a group that holds an alternation (like (a|ab)*), which can make matching hang';
      }
      top.quantified = true;
      i += quantifier[0].length - 1;
      if (pattern[i + 1] === '?') i++; // lazy modifier, not another quantifier
      last = undefined;
      continue;
    }
    last = 'atom';
  }
  return { groups, quantifiers, backtracking };
}

/** How many lengths a quantifier can match on a tag (`?`: 2, `{2,5}`: 4, `*`: 129). */
function waysOf(quantifier: string): number {
  if (quantifier === '?') return 2;
  const bounded = /^\{(\d+)(?:(,)(\d*))?\}$/.exec(quantifier);
  if (bounded && bounded[2] === undefined) return 1;
  if (bounded && bounded[3] !== '') return Math.max(1, Math.min(Number(bounded[3]), MAX_ORDERED_TAG_LENGTH) - Number(bounded[1]) + 1);
  return MAX_ORDERED_TAG_LENGTH + 1;
}
