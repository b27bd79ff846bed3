import type { KeyRange } from '../lib/connectors/types';
import { EntityRef, openSides } from './entity-sides';
import { heartbeating } from './keepalive';
import { sourceRows } from './source-rows';

export interface PlanRangesInput extends EntityRef {
  /** Aim for ranges of about this many rows. */
  rowsPerRange: number;
  /** At least this many ranges (e.g. the concurrency), so every slot has work. */
  minRanges: number;
  /** At most this many, so range bounds stay a small part of workflow history. */
  maxRanges: number;
}

export interface RangePlan {
  ranges: KeyRange[];
  /** Source rows: exact below EXACT_COUNT_BELOW rows, otherwise the statistics estimate. */
  rowsTotal: number;
}

/** Splits the source key space into contiguous ranges that together cover every key. */
export const planRanges = heartbeating(async (input: PlanRangesInput): Promise<RangePlan> => {
  const { source } = openSides(input);
  const rowsTotal = await sourceRows(source);
  const wanted = Math.ceil(rowsTotal / Math.max(1, input.rowsPerRange));
  const n = Math.min(input.maxRanges, Math.max(input.minRanges, wanted, 1));
  return { ranges: await source.splitRanges(n), rowsTotal };
});
