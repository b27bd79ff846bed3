import type { EntityConnector, KeyRange } from '../../lib/connectors/types';

/** The ranges cover all `total` records, each within ±30% of an even share (for a uniform key space). */
export async function expectBalanced(side: EntityConnector, ranges: KeyRange[], total: number): Promise<number[]> {
  const counts = await Promise.all(ranges.map((r) => side.count(r)));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
  const share = total / ranges.length;
  for (const n of counts) {
    expect(n).toBeGreaterThanOrEqual(0.7 * share);
    expect(n).toBeLessThanOrEqual(1.3 * share);
  }
  return counts;
}
