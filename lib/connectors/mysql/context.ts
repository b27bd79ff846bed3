import type { PoolConnection } from 'mysql2/promise';
import type { ResolvedConnection } from '../../connections';
import type { Row } from '../../mapping/entity';
import type { MappedRecord } from '../types';
import { describeTable, MysqlColumn, MysqlTable } from './catalog';
import { column } from './sql';

/** How one entity is stored in a MySQL or MariaDB table, and how its rows turn into mapped records and back. */
export interface MysqlEntityOptions {
  entity: string;
  side: 'source' | 'target';
  conn: ResolvedConnection;
  table: string;
  /** Stored key columns, in key order. */
  key: string[];
  version?: string;
  /** Zone of datetime columns (wall-clock times); timestamp columns are instants. */
  zone: string;
  /** Key fields of the mapped record, position by position the same values as `key`. */
  recordKey: string[];
  toRecord(row: Row): MappedRecord;
  fromRecord(record: MappedRecord): Row;
  /** What of a stored row that failed to map a quarantine entry keeps: the fields the spec maps. */
  quarantined<T>(row: Record<string, T>): Record<string, T>;
}

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
