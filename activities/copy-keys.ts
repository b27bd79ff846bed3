import { keyText } from '../lib/connectors/keys';
import type { EntityConnector, Key } from '../lib/connectors/types';

export interface CopyKeysResult {
  /** Written to `to`; keys where `to` already held a newer or equal version are skipped. */
  copied: number;
  /** Removed from `to` because `from` no longer has them. */
  deleted: number;
  /** Held by `from` but not decodable: quarantined in `to`, whose copy is left as it is. */
  quarantined: number;
}

/**
 * Makes `to` match `from` for these keys: the records `from` holds are written under the version
 * guard, so nothing fresher on `to` is replaced, and keys `from` lacks are deleted from `to`. A
 * record `from` holds but cannot decode exists: it is quarantined, never taken for a deletion.
 * Either side may be the source or the target connector; records are target-shaped on both.
 */
export async function copyKeys(from: EntityConnector, to: EntityConnector, keys: Key[]): Promise<CopyKeysResult> {
  if (keys.length === 0) return { copied: 0, deleted: 0, quarantined: 0 };
  const { records, rejected } = await from.fetchByKeys(keys);
  const quarantined = rejected.length ? await to.quarantine(rejected) : 0;
  const present = new Set([...records.map((r) => keyText(from.keyOf(r))), ...rejected.map((r) => keyText(r.key))]);
  const { written } = records.length ? await to.writeBatch(records, { versionGuard: true }) : { written: 0 };
  const absent = keys.filter((k) => !present.has(keyText(k)));
  if (absent.length === 0) return { copied: written, deleted: 0, quarantined };
  const { deleted } = await to.deleteKeys(absent);
  // An application may have re-created a key after the fetch and written it to `to` before the
  // delete above; `from` is written first, so such a key is visible there now and is put back.
  const recreated = await from.fetchByKeys(absent);
  const restored = recreated.records.length ? (await to.writeBatch(recreated.records, { versionGuard: true })).written : 0;
  const requarantined = recreated.rejected.length ? await to.quarantine(recreated.rejected) : 0;
  return { copied: written + restored, deleted, quarantined: quarantined + requarantined };
}
