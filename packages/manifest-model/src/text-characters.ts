/** Where a text holds something a YAML file may not, 1-based. */
export interface CharacterProblem {
  line: number;
  column: number;
  /** `U+0000`-style name of the character. */
  codePoint: string;
  kind: 'control' | 'replacement';
}

// C0 controls other than tab, LF and CR, plus DEL: YAML 1.2 forbids them raw (c-printable); in a
// config repository they mean a binary file or a broken encoding.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * The first raw control character (NUL and friends: a binary file) in a text, or with
 * `replacement`, the first U+FFFD as well (what a lossy UTF-8 decoder puts in place of bytes that
 * are not UTF-8: writing such a text back would change those bytes).
 */
export function findBadCharacter(text: string, options: { replacement?: boolean } = {}): CharacterProblem | undefined {
  const pattern = options.replacement ? /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/ : CONTROL;
  const match = pattern.exec(text);
  if (!match) return undefined;
  const before = text.slice(0, match.index);
  const line = before.split('\n').length;
  const column = match.index - before.lastIndexOf('\n');
  const code = match[0].charCodeAt(0);
  return {
    line, column,
    codePoint: `U+${code.toString(16).toUpperCase().padStart(4, '0')}`,
    kind: code === 0xfffd ? 'replacement' : 'control',
  };
}
