/**
 * How verification cuts its ranges into compare activities (chunks) and shares its rate limit.
 * Chunks of a fixed 100 ranges left a 51,000-row entity with two chunks, one of 50,000 rows: with
 * `concurrency` 4 that chunk ran alone at a quarter of maxRowsPerSecond, and progress (counted per
 * finished chunk) stood at 0% until the end.
 */

/** Runs begun before this patch keep fixed-size chunks and a rate share of 1/concurrency. */
export const VERIFY_SPREAD_PATCH = 'verify-chunks-fill-concurrency';

/** At least this many rounds of `concurrency` chunks, so progress moves several times per entity. */
const ROUNDS = 4;

/** Ranges per chunk: at most `per`, and small enough for ROUNDS × `concurrency` chunks where there are that many ranges. */
export function rangesPerChunk(ranges: number, per: number, concurrency: number): number {
  return Math.max(1, Math.min(per, Math.floor(ranges / (Math.max(1, concurrency) * ROUNDS))));
}

/**
 * The slots a newly started chunk shares maxRowsPerSecond with: `concurrency`, or the chunks not
 * yet finished when fewer are left (them included), so the shares in flight add up to the limit
 * and never beyond it.
 */
export function rateSlots(concurrency: number, unfinished: number): number {
  return Math.max(1, Math.min(concurrency, unfinished));
}
