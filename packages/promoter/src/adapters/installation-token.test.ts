import { describe, expect, it } from 'vitest';
import { createInstallationTokenSource, type MintedToken } from './installation-token.js';

function fakeMint(lifetimeMs: number, clock: { now: number }) {
  const calls: boolean[] = [];
  let n = 0;
  const mint = async (refresh: boolean): Promise<MintedToken> => {
    calls.push(refresh);
    n += 1;
    return { token: `t${n}`, expiresAt: new Date(clock.now + lifetimeMs).toISOString() };
  };
  return { mint, calls };
}

describe('createInstallationTokenSource', () => {
  it('keeps a token until half its life is gone, then forces a new one', async () => {
    const clock = { now: Date.parse('2026-12-05T10:00:00Z') };
    const { mint, calls } = fakeMint(8_000, clock);
    const source = createInstallationTokenSource(mint, () => clock.now);
    expect(await source.token()).toBe('t1');
    clock.now += 3_999;
    expect(await source.token()).toBe('t1');
    clock.now += 1;
    expect(await source.token()).toBe('t2');
    expect(calls).toEqual([false, true]);
  });

  it('renews GitHub\'s hour-long tokens 5 minutes before they expire', async () => {
    const clock = { now: Date.parse('2026-12-05T10:00:00Z') };
    const { mint } = fakeMint(3_600_000, clock);
    const source = createInstallationTokenSource(mint, () => clock.now);
    await source.token();
    clock.now += 54 * 60_000 + 59_999;
    expect(await source.token()).toBe('t1');
    clock.now += 1;
    expect(await source.token()).toBe('t2');
  });

  it('mints once for concurrent callers', async () => {
    const clock = { now: 0 };
    const { mint, calls } = fakeMint(60_000, clock);
    const source = createInstallationTokenSource(mint, () => clock.now);
    expect(await Promise.all([source.token(), source.token(), source.token()])).toEqual(['t1', 't1', 't1']);
    expect(calls).toEqual([false]);
  });
});
