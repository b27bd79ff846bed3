import type { EntityConnector, FetchResult, Key, KeyRange } from '../lib/connectors/types';
import { EntityRef, openSides } from './entity-sides';
import { heartbeating } from './keepalive';
import { diffRecords, RowDiff, settledDiffs } from './verify-diff';
import { compareEachRange, comparedSides, RangeComparison } from './verify-each';
import { AfterSwitch, withoutWrittenKeys } from './verify-written';

export interface SideCounts {
  source: number;
  target: number;
}

export const countSides = heartbeating(async (ref: EntityRef): Promise<SideCounts> => {
  const { source, target } = openSides(ref);
  const [s, t] = await Promise.all([source.count(), target.count()]);
  return { source: s, target: t };
});

export interface CompareRangesInput extends EntityRef, AfterSwitch {
  /** Consecutive small ranges; each is hashed on both sides and diffed row by row if they differ. */
  ranges: KeyRange[];
  /** At most this many suspects are listed (all are counted). */
  maxListed: number;
  rowsPerSecond?: number;
}

/** Also the heartbeat details: a retried attempt continues with range `next`. */
export interface CompareRangesResult {
  next: number;
  /** Source rows covered by the compared ranges (from the source hashes). */
  rowsCompared: number;
  targetRows: number;
  differingRanges: number[];
  /** Suspected differences; live traffic may still clear them (the workflow rechecks later). */
  suspects: RowDiff[];
  suspectCount: number;
  /** Rows fetched (both sides) to locate differences inside differing ranges. */
  rowsReread: number;
  /** Differences left out because the routers wrote the key after the write switch. */
  exempt?: number;
}

/**
 * Hashes each range on both sides (one query per side per range, canonical across databases);
 * where the hashes differ, reads that range's rows on both sides and names the differing keys
 * and fields. Ranges are small, so pinpointing a few differences re-reads a few ranges only.
 * Runs begun before bucket digests (verify-digests.ts) keep this.
 */
export async function compareRanges(input: CompareRangesInput): Promise<CompareRangesResult> {
  const { source, target } = comparedSides(input);
  const batchSize = input.spec.backfill.batchSize;
  return compareEachRange(input, { source, target }, (range) => compareRange(source, target, range, batchSize));
}

/** Hashes one range on both sides; only if the hashes differ are its rows read and diffed. */
async function compareRange(source: EntityConnector, target: EntityConnector, range: KeyRange, batchSize: number): Promise<RangeComparison> {
  const [s, t] = await Promise.all([source.hashRange(range), target.hashRange(range)]);
  if (s.hash === t.hash && s.count === t.count) return { sourceRows: s.count, targetRows: t.count, rowsReread: 0, diffs: [] };
  const [sRows, tRows] = await Promise.all([readAll(source, range, batchSize), readAll(target, range, batchSize)]);
  return {
    sourceRows: s.count,
    targetRows: t.count,
    rowsReread: sRows.records.length + sRows.rejected.length + tRows.records.length + tRows.rejected.length,
    diffs: diffRecords(sRows, tRows, (r) => target.keyOf(r)),
  };
}

/** Every record of the range, the undecodable ones included: a difference hidden there is still one. */
async function readAll(side: EntityConnector, range: KeyRange, limit: number): Promise<FetchResult> {
  const out: FetchResult = { records: [], rejected: [] };
  let after: Key | undefined;
  for (;;) {
    const page = await side.readRange({ ...range, after, limit });
    out.records.push(...page.records);
    out.rejected.push(...page.rejected);
    if (!page.lastKey) return out;
    after = page.lastKey;
  }
}

export interface RecheckInput extends EntityRef, AfterSwitch {
  suspects: RowDiff[];
}

export interface RecheckResult {
  /** Still different after the delay, and the source record unchanged meanwhile: real mismatches. */
  confirmed: RowDiff[];
  /** Left out because written after the write switch (see verify-written.ts). */
  exempt: number;
  /**
   * Still different, but the source record changed since the comparison: the key is being written
   * and its change is on its way, so the recheck can neither confirm nor clear it.
   */
  unconfirmed: number;
  /** Those keys, with their source as read now: a later recheck confirms or clears them once they settle. */
  moving?: RowDiff[];
  rowsReread: number;
}

/** Reads the suspected keys again on both sides; differences that live traffic has since closed or moved drop out. */
export const recheckKeys = heartbeating(async (input: RecheckInput): Promise<RecheckResult> => {
  const { source, target } = comparedSides(input);
  const keys = input.suspects.map((d) => d.key);
  const [sRows, tRows] = await Promise.all([source.fetchByKeys(keys), target.fetchByKeys(keys)]);
  const now = diffRecords(sRows, tRows, (r) => target.keyOf(r));
  const settled = settledDiffs(input.suspects, now);
  const { diffs, exempt } = await withoutWrittenKeys(input, settled, { old: source, primary: target });
  const moving = now.filter((d) => !settled.includes(d));
  const reread = sRows.records.length + sRows.rejected.length + tRows.records.length + tRows.rejected.length;
  return { confirmed: diffs, exempt, unconfirmed: moving.length, moving, rowsReread: reread };
});
