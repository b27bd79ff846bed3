import { Context } from '@temporalio/activity';
import { openDirectCopy } from '../lib/connectors';
import type { Key, KeyRange } from '../lib/connectors/types';
import { metrics } from '../lib/metrics';
import { directPages, PageWalk, recordPages } from './copy-pages';
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
 * Copies one slice of a range page by page: inside the databases when the entity allows it
 * (openDirectCopy: PostgreSQL → PostgreSQL, columns only renamed or dropped), otherwise as keyset
 * pages of records from the source and version-guarded batch writes to the target. Heartbeats the
 * last written key after every page; a retry (worker killed, server error) resumes after that key.
 * Re-writing a page is harmless: the version guard skips rows the target already holds at that version.
 */
export async function copyRangeSlice(input: CopySliceInput): Promise<CopySliceResult> {
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as CopyCounters | undefined;
  const counters: CopyCounters = { ...EMPTY, ...(resumed ?? {}) };
  const startedAtMs = Date.now();
  const { source, target } = openSides(input);
  const { batchSize, maxBatchBytes } = input.spec.backfill;
  const walk: PageWalk = {
    range: input.range,
    after: counters.lastKey ?? input.after,
    // A throttled slice reads at most a second's worth per page, so pacing stays smooth.
    limit: input.rowsPerSecond ? Math.max(1, Math.min(batchSize, Math.ceil(input.rowsPerSecond))) : batchSize,
    maxBytes: maxBatchBytes,
    more: () => Date.now() - startedAtMs < input.sliceMs,
  };

  let rowsThisAttempt = 0;
  const stop = keepAlive(() => counters);
  try {
    const direct = counters.done ? undefined : await openDirectCopy(input.spec, input.entity);
    const pages = counters.done ? [] : direct ? directPages(direct, walk) : recordPages(source, target, walk);
    for await (const page of pages) {
      counters.done = page.lastKey === undefined;
      if (page.lastKey) counters.lastKey = page.lastKey;
      counters.rows += page.rows;
      counters.written += page.written;
      metrics.rowsCopied.inc({ migration_id: input.migrationId, entity: input.entity }, page.written);
      counters.skipped += page.skipped;
      counters.quarantined += page.quarantined;
      counters.bytes += page.bytes;
      rowsThisAttempt += page.rows;
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
