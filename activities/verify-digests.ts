import { openDigestPair } from '../lib/connectors/digest-pair';
import { keyText } from '../lib/connectors/keys';
import type { BucketDigests, EntityConnector, Key, RowHash } from '../lib/connectors/types';
import type { CompareRangesInput, CompareRangesResult } from './verify';
import { compareEachRange, comparedSides, RangeComparison } from './verify-each';
import { diffRecords } from './verify-diff';
import { openSides } from './entity-sides';
import { heartbeating } from './keepalive';
import { planRanges, PlanRangesInput, RangePlan } from './plan';
import { sourceRows } from './source-rows';

export interface CompareDigestsInput extends CompareRangesInput {
  /** Buckets per range (a power of two): a differing bucket re-reads the keys and row hashes of about rows/buckets rows per side. */
  buckets: number;
}

/**
 * Summarizes each range (a segment of the entity) on both sides into bucket digests, each side in
 * one scan (inside the database where both can print the same row text, else in the worker:
 * lib/connectors/digest-pair.ts); for the buckets that differ, lists keys and row hashes on both
 * sides, and reads only the keys whose hashes differ to name each difference by key and field.
 * Same result, heartbeats and resumption as compareRanges, which it replaces for new runs.
 */
export async function compareDigests(input: CompareDigestsInput): Promise<CompareRangesResult> {
  const pair = await openDigestPair(input.spec, input.entity);
  const { source, target } = comparedSides(input);
  return compareEachRange(input, { source, target }, async (range) => {
    const request = { ...range, buckets: input.buckets };
    const [s, t] = await Promise.all([pair.source.digestRange(request), pair.target.digestRange(request)]);
    const only = differingBuckets(s, t);
    if (!only.length) return { sourceRows: s.rows, targetRows: t.rows, rowsReread: 0, diffs: [] };
    const [sRows, tRows] = await Promise.all([pair.source.bucketRows({ ...request, only }), pair.target.bucketRows({ ...request, only })]);
    return { sourceRows: s.rows, targetRows: t.rows, ...(await diffKeys(source, target, differingKeys(sRows, tRows), sRows.length + tRows.length)) };
  });
}

export function differingBuckets(s: BucketDigests, t: BucketDigests): number[] {
  const out: number[] = [];
  for (let b = 0; b < s.counts.length; b++) if (s.counts[b] !== t.counts[b] || s.sums[b] !== t.sums[b]) out.push(b);
  return out;
}

/**
 * Segments for bucket digests: ranges of about rowsPerRange rows (planRanges), or the whole entity
 * as one segment where a side's range scans read everything anyway (wholeScans): each segment
 * would then cost a scan of the whole store.
 */
export const planSegments = heartbeating(async (input: PlanRangesInput): Promise<RangePlan> => {
  const pair = await openDigestPair(input.spec, input.entity);
  if (!pair.source.wholeScans && !pair.target.wholeScans) return planRanges(input);
  return { ranges: [{}], rowsTotal: await sourceRows(openSides(input).source) };
});

/** Keys on one side only, or with another row hash on the other. */
export function differingKeys(source: RowHash[], target: RowHash[]): Key[] {
  const theirs = new Map(target.map((r) => [keyText(r.key), r]));
  const keys: Key[] = [];
  for (const r of source) {
    const text = keyText(r.key);
    if (theirs.get(text)?.hash !== r.hash) keys.push(r.key);
    theirs.delete(text);
  }
  for (const r of theirs.values()) keys.push(r.key);
  return keys;
}

/** Reads these keys on both sides and names their differences (a row-hash difference the records do not show is none). */
async function diffKeys(
  source: EntityConnector,
  target: EntityConnector,
  keys: Key[],
  listed: number,
): Promise<Omit<RangeComparison, 'sourceRows' | 'targetRows'>> {
  if (!keys.length) return { rowsReread: listed, diffs: [] };
  const [sRows, tRows] = await Promise.all([source.fetchByKeys(keys), target.fetchByKeys(keys)]);
  const fetched = sRows.records.length + sRows.rejected.length + tRows.records.length + tRows.rejected.length;
  return { rowsReread: listed + fetched, diffs: diffRecords(sRows, tRows, (r) => target.keyOf(r)) };
}
