import type { MigrationSpec } from '../spec/schema';

/**
 * A source table whose changes matter to one entity. A parent row's change touches the record
 * with that row's key; a child row's change touches the parent its foreign key points to.
 */
export type WatchedTable =
  { entity: string; table: string; role: 'parent'; key: string[]; version?: string } | { entity: string; table: string; role: 'child'; foreignKey: string };

/** Every table CDC must publish for this spec: each entity's source table and its embedded child tables. */
export function watchedTables(spec: MigrationSpec): WatchedTable[] {
  const out: WatchedTable[] = [];
  for (const e of spec.entities) {
    if (!e.from.table) throw new Error(`entity ${e.name}: change data capture reads PostgreSQL tables, but its source is a collection`);
    out.push({ entity: e.name, table: e.from.table, role: 'parent', key: e.from.key!, ...(e.from.version ? { version: e.from.version } : {}) });
    for (const c of e.embed) out.push({ entity: e.name, table: c.table, role: 'child', foreignKey: c.foreignKey });
  }
  return out;
}
