import { describe, expect, it } from 'vitest';
import { isDuration, parseDuration } from './duration.js';

describe('parseDuration (the one duration rule)', () => {
  it.each([
    ['250ms', 250], ['30s', 30_000], ['5m', 300_000], ['2h', 7_200_000], ['1m30s', 90_000], ['1h30m', 5_400_000],
    ['0s', 0], ['1m1m', 120_000], ['1s500ms', 1_500],
  ])('%s is %i ms', (text, ms) => {
    expect(isDuration(text)).toBe(true);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '300', 'soon', '5 minutes', '-1s', '1.5s', '1d', '5M', ' 5m', '5m ', '5mx', 'm'])('%j is not a duration', (text) => {
    expect(isDuration(text)).toBe(false);
    expect(() => parseDuration(text)).toThrowError(expect.objectContaining({ code: 'duration.invalid' }));
  });
});
