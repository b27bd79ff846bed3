import type { EntityChanges } from '../../../cdc/changes';
import { keyText } from '../../keys';
import type { Key } from '../../types';
import type { Committed, RowChange } from './reader';

/** A watched source table: the entity it feeds and how a row image names its record. */
export interface WatchedTable {
  entity: string;
  toKey(row: Record<string, unknown>): Key;
}

/**
 * The records each entity must refresh after these transactions. The row images only name the
 * records; the stream re-reads their current state, as the PostgreSQL stream does (docs/cdc.md):
 * an insert or an update in place is written version-guarded, a delete or a key change unguarded
 * (a re-created key may carry a lower version), a TRUNCATE resynchronises the entity.
 */
export function binlogChanges(batch: Committed[], watched: Map<string, WatchedTable>): Map<string, EntityChanges> {
  const out = new Map<string, EntityChanges>();
  const of = (w: WatchedTable) => {
    let e = out.get(w.entity);
    if (!e) out.set(w.entity, (e = { keys: new Map(), truncated: false }));
    return e;
  };
  const touch = (w: WatchedTable, key: Key, guarded: boolean) => {
    const keys = of(w).keys;
    const id = keyText(key);
    keys.set(id, { key, guarded: guarded && (keys.get(id)?.guarded ?? true) });
  };
  for (const change of batch.flatMap((t) => t.changes)) {
    const w = watched.get(change.table);
    if (!w) continue;
    applyChange(change, w, touch, () => (of(w).truncated = true));
  }
  return out;
}

function applyChange(c: RowChange, w: WatchedTable, touch: (w: WatchedTable, key: Key, guarded: boolean) => void, truncate: () => void): void {
  if (c.kind === 'truncate') return truncate();
  if (c.kind !== 'update') return touch(w, w.toKey(c.row), c.kind === 'insert');
  const before = w.toKey(c.before);
  const after = w.toKey(c.after);
  const rekeyed = keyText(before) !== keyText(after);
  touch(w, after, !rekeyed);
  if (rekeyed) touch(w, before, false);
}
