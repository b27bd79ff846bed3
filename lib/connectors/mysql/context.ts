import type { PoolConnection } from 'mysql2/promise';
import type { TableSideOptions } from '../table-side';
import { describeTable, MysqlColumn, MysqlTable } from './catalog';
import { column } from './sql';

/** How one entity is stored in a MySQL or MariaDB table (datetime columns in `zone`; timestamp columns are instants). */
export type MysqlEntityOptions = TableSideOptions;

export interface MysqlContext {
  options: MysqlEntityOptions;
  table: MysqlTable;
  key: MysqlColumn[];
  version?: MysqlColumn;
}

/** Loads the catalog facts once per connector; a missing table or column is a clear error. */
export async function loadContext(conn: PoolConnection, options: MysqlEntityOptions): Promise<MysqlContext> {
  const table = await describeTable(conn, options.table);
  if (!table.exists) throw new Error(`table ${options.table} does not exist (connection ${options.conn.name})`);
  return {
    options,
    table,
    key: options.key.map((k) => column(table, k)),
    version: options.version ? column(table, options.version) : undefined,
  };
}
