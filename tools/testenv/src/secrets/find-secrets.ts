// Finds secrets in text a test run produced (console output, CLI output, statuses, PR bodies...).
// Deliberately independent of @ferry/manifest-model's redactSecrets: the scan checks that
// redaction, so it must not share its blind spots. It errs towards reporting: anything shaped
// like a credential in output is a leak even when the value is fake.
import { TEST_SECRETS } from './test-secrets.js';

export type SecretKind =
  | 'github-token'
  | 'private-key'
  | 'private-key-base64'
  | 'jwt'
  | 'url-credentials'
  | 'authorization-header'
  | 'registered-secret';

export interface SecretFinding {
  kind: SecretKind;
  /** Offsets of the secret itself in the scanned text. */
  start: number;
  end: number;
  /** The surrounding text with every secret in it replaced by `<kind>`: safe to print. */
  excerpt: string;
}

export interface FindSecretsOptions {
  /** Literal secrets to look for besides the shapes; default TEST_SECRETS. */
  known?: readonly string[];
}

interface Shape {
  kind: SecretKind;
  pattern: RegExp;
  /** Index of the capture group holding the secret (0: the whole match). */
  group: number;
  accept?: (secret: string) => boolean;
}

const notRedacted = (value: string): boolean => !/^(\*+|<[^>]*>|\$\{.*\}|\.\.\.|x+)$/i.test(value);

const SHAPES: Shape[] = [
  // GitHub PATs (classic and fine-grained), installation, OAuth, user-to-server and refresh tokens.
  // Real ones are 36+ characters; tests use shorter fakes, which must not leak either.
  { kind: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{10,}|github_pat_[A-Za-z0-9_]{20,})/g, group: 0 },
  // The header alone is enough: a key cut short by truncation is still a leaked key.
  { kind: 'private-key', pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/g, group: 0 },
  // kubeconfig's client-key-data and Kubernetes Secret data carry PEM as base64 ("-----BEGIN " = LS0tLS1CRUdJTi).
  {
    kind: 'private-key-base64', pattern: /LS0tLS1CRUdJTi[A-Za-z0-9+/]{16,}={0,2}/g, group: 0,
    accept: (b64) => Buffer.from(b64, 'base64').toString('latin1').includes('PRIVATE KEY'),
  },
  // GitHub App JWTs and Kubernetes service-account tokens.
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, group: 0 },
  { kind: 'url-credentials', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:([^\s/@]+)@/gi, group: 1, accept: notRedacted },
  {
    kind: 'authorization-header',
    pattern: /\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:basic|bearer|token)\s+([A-Za-z0-9._~+/=*-]{6,})/gi, group: 1,
    accept: notRedacted,
  },
];

/** Every secret in `text`, in order of position; overlapping findings are kept once. */
export function findSecrets(text: string, options: FindSecretsOptions = {}): SecretFinding[] {
  const spans: Omit<SecretFinding, 'excerpt'>[] = [];
  for (const shape of SHAPES) {
    for (const match of text.matchAll(shape.pattern)) {
      const secret = match[shape.group];
      if (secret === undefined || (shape.accept && !shape.accept(secret))) continue;
      const start = (match.index ?? 0) + match[0].indexOf(secret);
      spans.push({ kind: shape.kind, start, end: start + secret.length });
    }
  }
  for (const secret of options.known ?? TEST_SECRETS) {
    if (secret.length < 6) continue;
    for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1)) {
      spans.push({ kind: 'registered-secret', start: at, end: at + secret.length });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = spans.filter((s, i) => !spans.slice(0, i).some((o) => o.start <= s.start && s.end <= o.end));
  return kept.map((s) => ({ ...s, excerpt: excerptAround(text, s, kept) }));
}

/** ~60 characters either side of a finding, all findings in range masked, on one line. */
function excerptAround(text: string, finding: Omit<SecretFinding, 'excerpt'>, all: Omit<SecretFinding, 'excerpt'>[]): string {
  const from = Math.max(0, finding.start - 60);
  const to = Math.min(text.length, finding.end + 60);
  let out = '';
  let at = from;
  for (const s of all) {
    // A secret reaching across the excerpt's edge is masked whole, never cut in half.
    if (s.end <= at || s.start >= to) continue;
    out += `${text.slice(at, Math.max(at, s.start))}<${s.kind}>`;
    at = s.end;
  }
  out += text.slice(at, Math.max(at, to));
  return `${from > 0 ? '…' : ''}${out.replace(/\s+/g, ' ')}${to < text.length ? '…' : ''}`;
}

/** Masks every finding in `text` (for messages that must quote scanned text). */
export function maskSecrets(text: string, options: FindSecretsOptions = {}): string {
  let out = '';
  let at = 0;
  for (const s of findSecrets(text, options)) {
    if (s.end <= at) continue;
    out += `${text.slice(at, Math.max(at, s.start))}<${s.kind}>`;
    at = s.end;
  }
  return out + text.slice(at);
}
