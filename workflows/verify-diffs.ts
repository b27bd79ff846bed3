import type { RowDiff } from '../activities/verify-diff';

export interface MismatchTotals {
  missing: number;
  extra: number;
  different: number;
  /** Stored on either side in a form that cannot be decoded: quarantined, never taken for missing. */
  undecodable: number;
  /** Suspects beyond the listing limit: counted, not named (and not rechecked). */
  unlisted: number;
  all: number;
}

export interface Mismatches {
  /** Every named difference: key, kind, and for "different" the differing fields. */
  diffs: RowDiff[];
  totals: MismatchTotals;
}

export function groupDiffs(diffs: RowDiff[], unlisted: number): Mismatches {
  const totals: MismatchTotals = { missing: 0, extra: 0, different: 0, undecodable: 0, unlisted, all: diffs.length + unlisted };
  for (const d of diffs) totals[d.kind]++;
  return { diffs, totals };
}
