import { Context } from '@temporalio/activity';
import type { Key, KeyRange, ReadResult } from '../lib/connectors/types';
import { metrics } from '../lib/metrics';
import { EntityRef, openSides } from './entity-sides';
import { keepAlive } from './keepalive';
import { pace } from './throttle';

export interface CopySliceInput extends EntityRef {
  /** The whole range (from inclusive, to exclusive). */
  range: KeyRange;
  /** Start strictly after this key: where the previous slice of this range stopped. */
  after?: Key;
  /** This activity's share of the entity's rate limit; absent means unthrottled. */
  rowsPerSecond?: number;
  /** Return after about this long, so the workflow applies pause and rate changes promptly. */
  sliceMs: number;
}

/** Counters of one slice; also the heartbeat details, so a retried attempt keeps counting. */
export interface CopyCounters {
  /** Last key written: the resume point. */
  lastKey?: Key;
  /** The range is exhausted (a retry after the last page has nothing left to do). */
  done: boolean;
  rows: number;
  written: number;
  skipped: number;
  quarantined: number;
  bytes: number;
}

export interface CopySliceResult extends CopyCounters {
  /** Wall-clock bounds of the attempt that finished the slice (workflows cannot read a clock). */
  startedAtMs: number;
  finishedAtMs: number;
  /** Rows this attempt read itself (less than `rows` when it resumed from a heartbeat). */
  rowsThisAttempt: number;
  /** The heartbeat key this attempt resumed after, when an earlier attempt died mid-slice. */
  resumedAfter?: Key;
}

const EMPTY: CopyCounters = { done: false, rows: 0, written: 0, skipped: 0, quarantined: 0, bytes: 0 };

/**
 * Copies one slice of a range: keyset pages from the source, version-guarded batch writes to the
 * target, the next page read while the current one is written. Heartbeats the last written key
 * after every batch; a retry (worker killed, server error) resumes after that key. Re-writing a
 * page is harmless: the version guard skips rows the target already holds at that version.
 */
export async function copyRangeSlice(input: CopySliceInput): Promise<CopySliceResult> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as CopyCounters | undefined;
  const counters: CopyCounters = { ...EMPTY, ...(resumed ?? {}) };
  const startedAtMs = Date.now();
  const { source, target } = openSides(input);
  const { batchSize, maxBatchBytes } = input.spec.backfill;
  // A throttled slice reads at most a second's worth per page, so pacing stays smooth.
  const limit = input.rowsPerSecond ? Math.max(1, Math.min(batchSize, Math.ceil(input.rowsPerSecond))) : batchSize;
  const read = (after: Key | undefined): Promise<ReadResult> => {
    const page = source.readRange({ ...input.range, after, limit, maxBytes: maxBatchBytes });
    // Awaited later; until then a failure must not count as an unhandled rejection.
    page.catch(() => undefined);
    return page;
  };

  let rowsThisAttempt = 0;
  let page: Promise<ReadResult> | undefined = counters.done ? undefined : read(counters.lastKey ?? input.after);
  const stop = keepAlive(() => counters);
  try {
    while (page) {
      const { records, rejected, bytes, lastKey } = await page;
      counters.done = lastKey === undefined;
      page = !counters.done && Date.now() - startedAtMs < input.sliceMs ? read(lastKey) : undefined;
      const w = records.length ? await target.writeBatch(records, { versionGuard: true }) : { written: 0, skipped: 0, quarantined: 0 };
      // Rows the mapping cannot carry exactly are recorded for an operator, never dropped silently.
      const quarantined = rejected.length ? await target.quarantine(rejected) : 0;
      if (lastKey) counters.lastKey = lastKey;
      counters.rows += records.length + rejected.length;
      counters.written += w.written;
      metrics.rowsCopied.inc({ migration_id: input.migrationId, entity: input.entity }, w.written);
      counters.skipped += w.skipped;
      counters.quarantined += w.quarantined + quarantined;
      counters.bytes += bytes;
      rowsThisAttempt += records.length + rejected.length;
      ctx.heartbeat(counters);
      await pace(rowsThisAttempt, startedAtMs, input.rowsPerSecond, counters);
    }
  } finally {
    stop();
  }
  if (counters.done) metrics.rangesDone.inc({ migration_id: input.migrationId, entity: input.entity, kind: 'backfill' });
  return {
    ...counters,
    startedAtMs,
    finishedAtMs: Date.now(),
    rowsThisAttempt,
    ...(resumed?.lastKey ? { resumedAfter: resumed.lastKey } : {}),
  };
}
