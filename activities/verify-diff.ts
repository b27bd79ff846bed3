import { keyText } from '../lib/connectors/keys';
import type { Key, MappedRecord } from '../lib/connectors/types';
import { canonicalJson } from '../lib/mapping/canonical';

export type DiffKind = 'missing' | 'extra' | 'different';

/** One key that differs: missing in the target, extra in the target, or present with other values. */
export interface RowDiff {
  key: Key;
  kind: DiffKind;
  /** For "different": the target-shape fields whose canonical values differ. */
  fields?: string[];
}

/**
 * Compares records of the same keys from both sides, in canonical form (the form the range
 * hashes use), so a diff here is exactly what made two hashes differ.
 */
export function diffRecords(
  source: MappedRecord[],
  target: MappedRecord[],
  keyOf: (r: MappedRecord) => Key,
): RowDiff[] {
  const targetByKey = new Map(target.map((r) => [keyText(keyOf(r)), r]));
  const diffs: RowDiff[] = [];
  for (const s of source) {
    const key = keyOf(s);
    const text = keyText(key);
    const t = targetByKey.get(text);
    targetByKey.delete(text);
    if (!t) {
      diffs.push({ key, kind: 'missing' });
      continue;
    }
    const fields = differingFields(s, t);
    if (fields.length) diffs.push({ key, kind: 'different', fields });
  }
  for (const t of targetByKey.values()) diffs.push({ key: keyOf(t), kind: 'extra' });
  return diffs;
}

function differingFields(a: MappedRecord, b: MappedRecord): string[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((f) => canonicalJson(a[f]) !== canonicalJson(b[f]));
}
