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
 * basic authorization values (also as JSON fields), GitHub token formats, JWTs, and PEM private
 * keys: whole, cut short (no END line), or base64-encoded as in a kubeconfig's client-key-data.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1***@')
    .replace(/\b(authorization"?\s*[:=]\s*"?)(bearer|basic|token)\s+[^\s"',]+/gi, '$1$2 ***')
    .replace(/\b(bearer|token)\s+[A-Za-z0-9._~+/-]{16,}=*/gi, '$1 ***')
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '***')
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, '***')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s]*)/g, '***')
    // base64 of "-----BEGIN " + any "... PRIVATE KEY-----" header, then the rest of the base64 run.
    .replace(/LS0tLS1CRUdJTi[A-Za-z0-9+/]*={0,2}/g, (b64) => (decodesToPrivateKey(b64) ? '***' : b64));
}

function decodesToPrivateKey(b64: string): boolean {
  // atob is a global in every supported Node; manifest-model stays free of node: imports.
  try {
    return /^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(atob(b64.slice(0, 64 - (64 % 4))));
  } catch {
    return false;
  }
}
