import type { SideCounts } from '../activities/verify';
import type { ChunkState } from './verify-api';

/**
 * Row counts come out of the comparison itself: every segment's digests (or range hashes) count
 * the rows of both sides they summarize. Counting each side apart, before and after, read the
 * whole store twice more, and on FerretDB a count reads every document. Runs begun before this
 * patch count each side before and after the comparison.
 */
export const VERIFY_PASS_COUNTS_PATCH = 'verify-counts-from-pass';

/** Both sides' rows as the latest comparison of each chunk saw them; undefined while a chunk has not been compared in full. */
export function passCounts(chunks: ChunkState[]): SideCounts | undefined {
  const counts = { source: 0, target: 0 };
  for (const c of chunks) {
    if (c.status !== 'done' || !c.rows) return undefined;
    counts.source += c.rows.source;
    counts.target += c.rows.target;
  }
  return counts;
}
