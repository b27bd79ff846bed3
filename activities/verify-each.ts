import { Context } from '@temporalio/activity';
import { comparedSource } from '../lib/connectors/compared';
import type { EntityConnector, KeyRange } from '../lib/connectors/types';
import { metrics } from '../lib/metrics';
import { EntityRef, openSides } from './entity-sides';
import { keepAlive, unlessCancelled } from './keepalive';
import { pace } from './throttle';
import type { CompareRangesInput, CompareRangesResult } from './verify';
import type { RowDiff } from './verify-diff';
import { withoutWrittenKeys } from './verify-written';

/** The compare loop both ways of comparing share (range hashes: verify.ts; bucket digests: verify-digests.ts). Not an activity itself. */

/** One range compared: rows on each side, rows read again to name differences, and those differences. */
export interface RangeComparison {
  sourceRows: number;
  targetRows: number;
  rowsReread: number;
  diffs: RowDiff[];
}

/**
 * Compares `input.ranges` one after the other, heartbeating after each, so a retried attempt
 * (a killed worker) continues with the next range; keys written after the write switch are left
 * out, and the rate limit paces the ranges.
 */
export async function compareEachRange(
  input: CompareRangesInput,
  sides: { source: EntityConnector; target: EntityConnector },
  compare: (range: KeyRange) => Promise<RangeComparison>,
): Promise<CompareRangesResult> {
  const ctx = Context.current();
  const acc: CompareRangesResult = (ctx.info.heartbeatDetails as CompareRangesResult | undefined) ?? {
    next: 0,
    rowsCompared: 0,
    targetRows: 0,
    differingRanges: [],
    suspects: [],
    suspectCount: 0,
    rowsReread: 0,
  };
  const startedAt = Date.now();
  const rowsAtStart = acc.rowsCompared;
  const stop = keepAlive(() => acc);
  try {
    for (; acc.next < input.ranges.length; acc.next++) {
      const r = await unlessCancelled(compare(input.ranges[acc.next]));
      const { diffs, exempt } = await withoutWrittenKeys(input, r.diffs, { old: sides.source, primary: sides.target });
      acc.rowsCompared += r.sourceRows;
      acc.targetRows += r.targetRows;
      acc.rowsReread += r.rowsReread;
      acc.exempt = (acc.exempt ?? 0) + exempt;
      if (diffs.length) {
        acc.differingRanges.push(acc.next);
        acc.suspectCount += diffs.length;
        acc.suspects.push(...diffs.slice(0, Math.max(0, input.maxListed - acc.suspects.length)));
      }
      ctx.heartbeat({ ...acc, next: acc.next + 1 });
      metrics.rangesDone.inc({ migration_id: input.migrationId, entity: input.entity, kind: 'verify' });
      await pace(acc.rowsCompared - rowsAtStart, startedAt, input.rowsPerSecond, { ...acc, next: acc.next + 1 });
    }
  } finally {
    stop();
  }
  return acc;
}

/** Both sides, the source's records in the form the target stores them (lib/connectors/compared.ts). */
export function comparedSides(ref: EntityRef) {
  const { source, target } = openSides(ref);
  return { source: comparedSource(source, target), target };
}
