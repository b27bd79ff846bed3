import { createHash } from 'node:crypto';
import { keyText } from '../lib/connectors/keys';
import type { FetchResult, Key, MappedRecord } from '../lib/connectors/types';
import { canonicalJson, fieldsThatDiffer } from '../lib/mapping/canonical';

export type DiffKind = 'missing' | 'extra' | 'different' | 'undecodable';

/**
 * One key that differs: missing in the target, extra in the target, present with other values,
 * or stored on either side in a form that cannot be decoded (quarantined; it is never "missing").
 */
export interface RowDiff {
  key: Key;
  kind: DiffKind;
  /** For "different": the target-shape fields whose canonical values differ. */
  fields?: string[];
  /** The source record when compared (short hash of its canonical form, or "absent"): a recheck tells a settled difference from a key still being written. */
  source: string;
}

/**
 * Compares records of the same keys from both sides, in canonical form (the form the range
 * hashes use), so a diff here is exactly what made two hashes differ.
 */
export function diffRecords(source: FetchResult, target: FetchResult, keyOf: (r: MappedRecord) => Key): RowDiff[] {
  const targetByKey = new Map(target.records.map((r) => [keyText(keyOf(r)), r]));
  const diffs: RowDiff[] = [];
  const undecodable = new Set<string>();
  for (const { key, document } of [...source.rejected, ...target.rejected]) {
    const text = keyText(key);
    if (undecodable.has(text)) continue;
    undecodable.add(text);
    targetByKey.delete(text);
    diffs.push({ key, kind: 'undecodable', source: createHash('sha256').update(document).digest('hex').slice(0, 12) });
  }
  for (const s of source.records) {
    const key = keyOf(s);
    const text = keyText(key);
    if (undecodable.has(text)) continue;
    const t = targetByKey.get(text);
    targetByKey.delete(text);
    if (!t) {
      diffs.push({ key, kind: 'missing', source: fingerprint(s) });
      continue;
    }
    const fields = fieldsThatDiffer(s, t);
    if (fields.length) diffs.push({ key, kind: 'different', fields, source: fingerprint(s) });
  }
  for (const t of targetByKey.values()) diffs.push({ key: keyOf(t), kind: 'extra', source: ABSENT });
  return diffs;
}

const ABSENT = 'absent';

function fingerprint(r: MappedRecord): string {
  return createHash('sha256').update(canonicalJson(r)).digest('hex').slice(0, 12);
}

/**
 * The differences of a recheck that are settled: the source record is what it was at the first
 * comparison. A key the source changed in between is still being written, and its change is on
 * its way through dual writes or CDC; it is not evidence of a mismatch.
 */
export function settledDiffs(suspects: RowDiff[], now: RowDiff[]): RowDiff[] {
  const before = new Map(suspects.map((d) => [keyText(d.key), d.source]));
  return now.filter((d) => before.get(keyText(d.key)) === d.source);
}
