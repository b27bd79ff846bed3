/** Pure progress arithmetic for the backfill and verify workflows (deterministic, no clock). */

export interface RangeCounts {
  total: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
}

export function countRanges(ranges: ReadonlyArray<{ status: 'pending' | 'running' | 'done' | 'failed' }>): RangeCounts {
  const counts: RangeCounts = { total: ranges.length, pending: 0, running: 0, done: 0, failed: 0 };
  for (const r of ranges) counts[r.status]++;
  return counts;
}

export interface TimedRows {
  rowsCopied: number;
  firstStartMs?: number;
  lastFinishMs?: number;
}

/** Rows per second between the first activity start and the last activity finish they reported. */
export function throughput(t: TimedRows): { seconds: number; rowsPerSecond: number } {
  const seconds = t.firstStartMs !== undefined && t.lastFinishMs !== undefined ? (t.lastFinishMs - t.firstStartMs) / 1000 : 0;
  return { seconds, rowsPerSecond: seconds > 0 ? Math.round(t.rowsCopied / seconds) : 0 };
}
