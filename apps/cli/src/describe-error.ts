import { FerryError } from '@ferry/manifest-model';

/** `file:line:col: message` plus hint for Ferry errors; other errors are bugs and say so. */
export function describeError(err: unknown): string {
  if (err instanceof FerryError) return err.describe();
  return `unexpected error (a bug in Ferry, please report it): ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
}
