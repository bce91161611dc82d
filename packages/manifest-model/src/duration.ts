import { FerryError } from './errors.js';

/**
 * The one duration rule in Ferry (Sync `spec.interval`/`spec.timeout`, every agent flag, `ferry
 * promote --timeout`): Go's notation restricted to whole numbers, one or more `<digits><unit>` with
 * unit `ms`, `s`, `m` or `h`, no sign, spaces or fractions: `250ms`, `30s`, `1h30m`. Units may
 * repeat and come in any order (`1m1m` is 2m), as the agent has always accepted them.
 */
const durationPattern = /^(\d+(ms|s|m|h))+$/;
const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** True when `text` follows the duration rule; validators check this, then parse. */
export function isDuration(text: string): boolean {
  return durationPattern.test(text);
}

/** A duration in milliseconds. Throws `duration.invalid` for text that does not follow the rule. */
export function parseDuration(text: string): number {
  if (!isDuration(text)) {
    throw new FerryError('duration.invalid', `"${text.slice(0, 40)}" is not a duration`, { hint: 'use e.g. 30s, 5m or 1h30m (units ms, s, m, h)' });
  }
  let total = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(match[1]) * (unitMs[match[2] as string] as number);
  return total;
}
