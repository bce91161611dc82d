/**
 * The base of every error Ferry raises on purpose. `code` is stable (tests, exit codes and
 * `--json` consumers match on it); `message` is for people and says what, where and how to fix.
 */
export interface SourceLocation {
  file?: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
}

export interface FerryErrorOptions extends SourceLocation {
  cause?: unknown;
  /** How to fix it, shown after the message. */
  hint?: string;
}

export class FerryError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;

  constructor(code: string, message: string, options: FerryErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
    if (options.column !== undefined) this.column = options.column;
    if (options.hint !== undefined) this.hint = redactSecrets(options.hint);
  }

  /** `file:line:col: message (hint)`, the form every CLI prints. */
  describe(): string {
    const where = [this.file, this.line, this.column].filter((p) => p !== undefined).join(':');
    const hint = this.hint ? `\n  hint: ${this.hint}` : '';
    return `${where ? `${where}: ` : ''}${this.message}${hint}`;
  }
}

/**
 * Removes credentials that commonly ride inside strings: `user:pass@` in URLs, bearer and
 * basic authorization values, GitHub token formats and PEM private keys.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1***@')
    .replace(/\b(authorization:\s*)(bearer|basic|token)\s+[^\s"',]+/gi, '$1$2 ***')
    .replace(/\b(bearer|token)\s+[A-Za-z0-9._~+/-]{16,}=*/gi, '$1 ***')
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '***')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '***');
}
