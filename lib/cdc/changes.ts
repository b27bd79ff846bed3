import type { Key } from '../connectors/types';
import { keyText } from '../connectors/keys';
import type { Value } from '../mapping/values';
import { PgOutputMessage, Tuple, TupleValue, UNCHANGED_TOAST } from './pgoutput';

/** A published table as the stream sees it: which entity it feeds and how its rows name a record. */
export interface WatchedRelation {
  entity: string;
  role: 'parent' | 'child';
  /** Parent: the key columns; child: the foreign key column. */
  columns: string[];
  /** Text values of `columns` → the record key they name (decoded with the parent key's types). */
  toKey(values: string[]): Key;
  /** The entity's version: its source column (in parent rows) and a decoder from its WAL text to the target-shaped value. */
  version?: { column: string; toValue(text: string): Value };
}

export interface TouchedKey {
  key: Key;
  /**
   * newer: only the record's own row changed, never deleted or re-keyed, so its re-read state
   * carries a new version: written under the usual guard (strictly newer). notOlder: a child row
   * changed (the parent's version did not move) or the key was deleted or re-keyed in the batch
   * (a re-insert may carry the version deleted): written replacing an equal or older version only.
   */
  guard: 'newer' | 'notOlder';
  /**
   * The bound of a delete, as DeleteOptions.upTo: the last version the batch's parent rows show for
   * the record (the old tuple of a delete carries it under REPLICA IDENTITY FULL); a record gone
   * from the source was deleted at that version or later, so nothing newer on the target is removed.
   * null: only child rows changed, the parent's own delete follows in a later batch: remove none.
   * undefined: unversioned, or the WAL carries no version (a replica identity without the column):
   * remove what is stored.
   */
  version?: Value | null;
}

export interface EntityChanges {
  keys: Map<string, TouchedKey>;
  /** A published table of the entity was truncated: only a full resync restores it. */
  truncated: boolean;
}

type ColumnNames = Map<number, string[]>;

/**
 * Turns a batch of pgoutput messages into the set of records each entity must refresh. The values
 * in the WAL only name the records; the stream re-reads their current state from the source, so a
 * change's order, its unchanged TOAST columns and its re-deliveries need no special handling.
 * `relations` keeps the column names of Relation messages across batches.
 */
export function collectChanges(messages: PgOutputMessage[], relations: ColumnNames, watched: Map<number, WatchedRelation>): Map<string, EntityChanges> {
  const out = new Map<string, EntityChanges>();
  const entity = (name: string) => {
    let e = out.get(name);
    if (!e) out.set(name, (e = { keys: new Map(), truncated: false }));
    return e;
  };
  const touch = (w: WatchedRelation, relationId: number, tuple: Tuple, own: boolean, fallback?: Tuple) => {
    const names = relations.get(relationId);
    const values = columnValues(w, names, tuple, fallback);
    if (!values) return;
    const key = w.toKey(values);
    const keys = entity(w.entity).keys;
    const id = keyText(key);
    const seen = keys.get(id);
    keys.set(id, { key, guard: own && (seen?.guard ?? 'newer') === 'newer' ? 'newer' : 'notOlder', version: boundOf(w, names, tuple, seen) });
  };
  for (const m of messages) {
    if (m.tag === 'relation')
      relations.set(
        m.relationId,
        m.columns.map((c) => c.name),
      );
    if (m.tag === 'truncate') {
      for (const id of m.relationIds) {
        const w = watched.get(id);
        if (w) entity(w.entity).truncated = true;
      }
    }
    if (m.tag !== 'insert' && m.tag !== 'update' && m.tag !== 'delete') continue;
    const w = watched.get(m.relationId);
    if (!w) continue;
    const own = w.role === 'parent';
    if (m.tag === 'insert') touch(w, m.relationId, m.newTuple, own);
    else if (m.tag === 'delete') touch(w, m.relationId, m.oldTuple, false);
    else {
      const rekeyed = m.oldTuple !== undefined && changedColumns(w, relations.get(m.relationId), m.oldTuple, m.newTuple);
      touch(w, m.relationId, m.newTuple, own && !rekeyed, m.oldTuple);
      if (rekeyed) touch(w, m.relationId, m.oldTuple!, false);
    }
  }
  return out;
}

/** The watched columns' text values; undefined when one is null (a child without a parent). */
function columnValues(w: WatchedRelation, names: string[] | undefined, tuple: Tuple, fallback?: Tuple): string[] | undefined {
  if (!names) throw new Error(`pgoutput: a change to a table of entity ${w.entity} arrived before its Relation message`);
  const values: string[] = [];
  for (const column of w.columns) {
    const i = names.indexOf(column);
    if (i < 0) throw new Error(`pgoutput: table of entity ${w.entity} has no column ${column} in the WAL (was it renamed?)`);
    let v: TupleValue | undefined = tuple[i];
    // A key is never TOASTed in practice; if it were, an update would leave it as it was.
    if (v === UNCHANGED_TOAST) v = fallback?.[i];
    if (v === UNCHANGED_TOAST || v === undefined)
      throw new Error(`pgoutput: column ${column} of entity ${w.entity} is not in the WAL record; set REPLICA IDENTITY FULL on its table`);
    if (v === null) return undefined;
    values.push(v);
  }
  return values;
}

/** TouchedKey.version after one more row of the record: a parent row's version, when the WAL carries it, is the latest. */
function boundOf(w: WatchedRelation, names: string[] | undefined, tuple: Tuple, seen: TouchedKey | undefined): Value | null | undefined {
  if (!w.version) return undefined;
  if (w.role === 'child') return seen ? seen.version : null;
  const text = tuple[names!.indexOf(w.version.column)];
  if (typeof text === 'string') return w.version.toValue(text);
  return seen?.version ?? undefined;
}

/** Whether an update moved the row to another record (key or foreign key changed). */
function changedColumns(w: WatchedRelation, names: string[] | undefined, oldTuple: Tuple, newTuple: Tuple): boolean {
  return w.columns.some((c) => {
    const i = names?.indexOf(c) ?? -1;
    const before = oldTuple[i];
    const after = newTuple[i] === UNCHANGED_TOAST ? before : newTuple[i];
    return before !== null && before !== after;
  });
}
