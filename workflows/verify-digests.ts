/**
 * Bucket-digest verification (activities/verify-digests.ts): each side summarized in one scan per
 * segment, a segment being a key range of many rows. Runs begun before this patch compare small
 * ranges by ordered hashes (compareRanges) to the end.
 */
export const VERIFY_DIGESTS_PATCH = 'verify-bucket-digests';

/** Rows per segment: one scan per side each, the unit of parallelism and of resumption after a worker kill. */
export const DIGEST_SEGMENT_ROWS = 100_000;

/** Buckets per segment: a differing bucket lists keys and row hashes of about segment/buckets rows per side. */
export const DIGEST_BUCKETS = 4096;

/**
 * A throttled run paces once per segment; segments of a few seconds' worth of rows keep the rate
 * it delivers close to the one it names.
 */
export function segmentRows(maxRowsPerSecond: number | null): number {
  return maxRowsPerSecond ? Math.min(DIGEST_SEGMENT_ROWS, Math.max(1000, maxRowsPerSecond * 5)) : DIGEST_SEGMENT_ROWS;
}
