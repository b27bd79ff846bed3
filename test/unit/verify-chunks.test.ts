import { rangesPerChunk, rateSlots } from '../../workflows/verify-chunks';

describe('verification chunks and rate shares', () => {
  test('ranges are cut into at least 4 rounds of `concurrency` chunks, never more than rangesPerActivity each', () => {
    // The case: 102 ranges of 500 rows, concurrency 4 → 16+ chunks instead of 100 + 2.
    expect(rangesPerChunk(102, 100, 4)).toBe(6);
    expect(Math.ceil(102 / rangesPerChunk(102, 100, 4))).toBeGreaterThanOrEqual(16);
    expect(rangesPerChunk(20_000, 100, 4)).toBe(100);
    expect(rangesPerChunk(3, 100, 4)).toBe(1);
    expect(rangesPerChunk(0, 100, 4)).toBe(1);
  });

  test('a chunk shares the rate with the chunks that can still run, at most `concurrency`', () => {
    expect(rateSlots(4, 16)).toBe(4);
    expect(rateSlots(4, 2)).toBe(2);
    expect(rateSlots(4, 1)).toBe(1);
    expect(rateSlots(4, 0)).toBe(1);
  });
});
