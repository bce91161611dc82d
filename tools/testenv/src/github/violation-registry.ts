// Every GitHub stand-in that is running in this process, so that a test hook can fail the test
// whose exchanges disagreed with GitHub's description (see fail-on-violations.setup.ts). Kept on
// globalThis: a vitest setup file and the test may load this module as two instances.
import type { Violation } from './openapi-validator.js';

export interface ViolationSource {
  /** Where the violations come from, for the failure message (the emulator's URL). */
  readonly label: string;
  /** Returns the violations recorded since the last call and forgets them. */
  takeViolations(): Violation[];
}

const KEY = Symbol.for('ferry.testenv.github-violation-sources');

function sources(): Set<ViolationSource> {
  const holder = globalThis as unknown as Record<symbol, Set<ViolationSource> | undefined>;
  holder[KEY] ??= new Set();
  return holder[KEY];
}

export function registerViolationSource(source: ViolationSource): () => void {
  sources().add(source);
  return () => sources().delete(source);
}

/** A readable list of violations (at most 30), or null when there are none. */
export function describeViolations(label: string, violations: readonly Violation[]): string | null {
  if (violations.length === 0) return null;
  const lines = violations.slice(0, 30).map((v) => `- ${v.operation} [${v.where}${v.status ? ` ${v.status}` : ''}]: ${v.message}`);
  const more = violations.length > 30 ? `\n(and ${violations.length - 30} more)` : '';
  return `GitHub stand-in at ${label}: ${violations.length} exchange(s) disagree with GitHub's API description:\n${lines.join('\n')}${more}`;
}

/** Takes the violations of every running stand-in; throws listing them when there are any. */
export function failOnViolations(): void {
  const messages: string[] = [];
  for (const source of sources()) {
    const message = describeViolations(source.label, source.takeViolations());
    if (message) messages.push(message);
  }
  if (messages.length > 0) throw new Error(messages.join('\n\n'));
}
