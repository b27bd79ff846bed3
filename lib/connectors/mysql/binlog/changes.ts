import type { EntityChanges } from '../../../cdc/changes';
import type { Value } from '../../../mapping/values';
import { keyText } from '../../keys';
import type { Key } from '../../types';
import type { Committed, RowChange } from './reader';

/** A watched source table: the entity it feeds and how a row image names its record. */
export interface WatchedTable {
  entity: string;
  toKey(row: Record<string, unknown>): Key;
  /** The entity's version in a row image, shaped as the target stores it; absent when unversioned. */
  versionOf?(row: Record<string, unknown>): Value | null;
}

type Row = Record<string, unknown>;
type Touch = (w: WatchedTable, row: Row, newer: boolean) => void;

/**
 * The records each entity must refresh after these transactions. The row images only name the
 * records; the stream re-reads their current state, as the PostgreSQL stream does (docs/cdc.md):
 * an insert or an update in place is written under the strict version guard, a record deleted or
 * re-keyed in the batch replacing an equal or older version only (a re-created key may carry the
 * version deleted), a delete bounded by the last version the batch's row images show (binlog rows
 * are full images), and a TRUNCATE resynchronises the entity.
 */
export function binlogChanges(batch: Committed[], watched: Map<string, WatchedTable>): Map<string, EntityChanges> {
  const out = new Map<string, EntityChanges>();
  const of = (w: WatchedTable) => {
    let e = out.get(w.entity);
    if (!e) out.set(w.entity, (e = { keys: new Map(), truncated: false }));
    return e;
  };
  const touch: Touch = (w, row, newer) => {
    const keys = of(w).keys;
    const key = w.toKey(row);
    const id = keyText(key);
    const seen = keys.get(id);
    keys.set(id, {
      key,
      guard: newer && (seen?.guard ?? 'newer') === 'newer' ? 'newer' : 'notOlder',
      ...(w.versionOf ? { version: w.versionOf(row) } : {}),
    });
  };
  for (const change of batch.flatMap((t) => t.changes)) {
    const w = watched.get(change.table);
    if (!w) continue;
    applyChange(change, w, touch, () => (of(w).truncated = true));
  }
  return out;
}

function applyChange(c: RowChange, w: WatchedTable, touch: Touch, truncate: () => void): void {
  if (c.kind === 'truncate') return truncate();
  if (c.kind !== 'update') return touch(w, c.row, c.kind === 'insert');
  const rekeyed = keyText(w.toKey(c.before)) !== keyText(w.toKey(c.after));
  touch(w, c.after, !rekeyed);
  if (rekeyed) touch(w, c.before, false);
}
