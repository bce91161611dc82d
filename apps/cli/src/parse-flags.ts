import { parseArgs } from 'node:util';
import { UsageError } from './command.js';

/** The flag shapes Ferry uses (a subset of node:util parseArgs options). */
export type FlagOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedFlags {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * node:util parseArgs in strict mode, with its errors turned into usage errors that point at the
 * command's help (exit code 2) instead of stack traces.
 */
export function parseFlags(command: string, args: string[], options: FlagOptions): ParsedFlags {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err);
    throw new UsageError(message, `run "ferry ${command} --help" for usage`);
  }
}

/** A string flag's value (undefined when absent). */
export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const value = flags.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Whether a boolean flag was given. */
export function booleanFlag(flags: ParsedFlags, name: string): boolean {
  return flags.values[name] === true;
}
