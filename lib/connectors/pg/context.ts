import type { PoolClient } from 'pg';
import type { TableSideOptions } from '../table-side';
import { describeTable, PgColumn, PgTable } from './catalog';
import { column } from './sql';

/** How one entity is stored in PostgreSQL: a table side, plus the child tables of its embedded arrays. */
export interface PgEntityOptions extends TableSideOptions {
  children: Array<{ table: string; key: string[]; foreignKey: string; as: string }>;
}

export interface PgChild {
  table: PgTable;
  key: PgColumn[];
  foreignKey: PgColumn;
  as: string;
}

export interface PgContext {
  options: PgEntityOptions;
  table: PgTable;
  key: PgColumn[];
  version?: PgColumn;
  children: PgChild[];
}

/** Loads the catalog facts once per connector; a missing table or column is a clear error. */
export async function loadContext(client: PoolClient, options: PgEntityOptions): Promise<PgContext> {
  const table = await describeTable(client, options.table);
  if (!table.exists) throw new Error(`table ${options.table} does not exist (connection ${options.conn.name})`);
  const children: PgChild[] = [];
  for (const c of options.children) {
    const childTable = await describeTable(client, c.table);
    if (!childTable.exists) throw new Error(`table ${c.table} does not exist (connection ${options.conn.name})`);
    children.push({
      table: childTable,
      key: c.key.map((k) => column(childTable, k)),
      foreignKey: column(childTable, c.foreignKey),
      as: c.as,
    });
  }
  return {
    options,
    table,
    key: options.key.map((k) => column(table, k)),
    version: options.version ? column(table, options.version) : undefined,
    children,
  };
}
