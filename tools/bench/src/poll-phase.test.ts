import { describe, expect, it } from 'vitest';
import { pollPhaseWaitMs } from './poll-phase.mjs';

describe('pollPhaseWaitMs', () => {
  it('puts run i of n in its own n-th of the interval, so the runs cover the whole cycle', () => {
    for (let trial = 0; trial < 200; trial++) {
      const waits = [1, 2, 3, 4].map((i) => pollPhaseWaitMs(i, 4, 10));
      waits.forEach((wait, index) => {
        expect(wait).toBeGreaterThanOrEqual(index * 2500);
        expect(wait).toBeLessThan((index + 1) * 2500);
      });
    }
  });
});
