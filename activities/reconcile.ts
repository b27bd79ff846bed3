import { keyText } from '../lib/connectors/keys';
import type { MappedRecord } from '../lib/connectors/types';
import { canonicalJson } from '../lib/mapping/canonical';
import { EntityRef, EntitySides, openSides, versionFieldOf } from './entity-sides';
import type { RowDiff } from './verify-diff';
import { heartbeating } from './keepalive';
import { removeLacking } from './copy-keys';

export interface ReconcileInput extends EntityRef {
  diffs: RowDiff[];
  /**
   * Repair after the write switch: the new database is the primary, so the differing keys are
   * copied from it into the old one instead of the other way round.
   */
  fromPrimary?: boolean;
}

export interface ReconcileResult {
  /** Target rows written from the source (missing or older). */
  copied: number;
  /** Same version on both sides but other values: overwritten from the source, the source of truth. */
  overwritten: number;
  /** Target rows the source does not have, deleted. */
  deleted: number;
  /** Left alone because the target holds a newer version (a write the source will catch up with). */
  newerInTarget: number;
  /** Source records that exist but cannot be decoded: quarantined, the target's copy kept (absent from results of older workers). */
  undecodable?: number;
}

/**
 * Re-copies the differing keys from the source of truth (the old database, or the primary when
 * `fromPrimary`). The version guard protects fresher
 * target rows; a row whose version equals the source's but whose values differ was damaged in
 * place, and only that case is overwritten without the guard. Extras, which the source no longer
 * has, are deleted, but never a record the application re-created meanwhile (removeLacking); a source record that cannot be decoded is not missing: it is quarantined and
 * counted, and the target's copy stays. Idempotent: a retry finds less to do.
 */
export const reconcileKeys = heartbeating((input: ReconcileInput) => reconcileSides(openSides(input), input));

/** reconcileKeys on sides already open (tests put a race between its reads). */
export async function reconcileSides(sides: EntitySides, input: ReconcileInput): Promise<ReconcileResult> {
  const { source, target } = input.fromPrimary ? { source: sides.target, target: sides.source } : sides;
  const keyOf = (r: MappedRecord) => keyText(target.keyOf(r));
  const keys = input.diffs.map((d) => d.key);
  const { records: sourceRows, rejected } = await source.fetchByKeys(keys);
  const undecodable = rejected.length ? await target.quarantine(rejected) : 0;
  const inSource = new Set([...sourceRows.map(keyOf), ...rejected.map((r) => keyText(r.key))]);
  const extras = keys.filter((k) => !inSource.has(keyText(k)));

  const guarded = sourceRows.length ? await target.writeBatch(sourceRows, { versionGuard: true }) : { written: 0 };
  const versionField = versionFieldOf(input);
  const targetNow = new Map((await target.fetchByKeys(sourceRows.map((r) => target.keyOf(r)))).records.map((r) => [keyOf(r), r]));
  const damaged: MappedRecord[] = [];
  let newerInTarget = 0;
  // Compared as the target stores them (comparedSource); written as the source holds them.
  const storedRows = target.storedForm ? await target.storedForm(sourceRows) : sourceRows;
  for (const [i, s] of sourceRows.entries()) {
    const t = targetNow.get(keyOf(s));
    if (!t || canonicalJson(t) === canonicalJson(storedRows[i])) continue;
    if (versionField && canonicalJson(t[versionField]) !== canonicalJson(storedRows[i][versionField])) newerInTarget++;
    else damaged.push(s);
  }
  const forced = damaged.length ? await target.writeBatch(damaged, { versionGuard: false }) : { written: 0 };
  // Extras race the application as the queue's copy does: deleted the same careful way.
  const removed = extras.length ? await removeLacking(source, target, extras, versionField) : { copied: 0, deleted: 0, quarantined: 0 };
  return {
    copied: guarded.written + removed.copied,
    overwritten: forced.written,
    deleted: removed.deleted,
    newerInTarget,
    undecodable: undecodable + removed.quarantined,
  };
}
