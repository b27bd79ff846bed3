import type { RowDataPacket } from 'mysql2';
import type { PoolConnection } from 'mysql2/promise';
import type { KeyRange } from '../types';
import type { MysqlContext } from './context';
import { rangeWhere } from './read';

export async function countRange(conn: PoolConnection, ctx: MysqlContext, range: KeyRange): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(`select count(*) as n from ${ctx.table.sql} ${rangeWhere(ctx, range)}`);
  return Number(rows[0].n);
}

/** Rows from InnoDB's statistics (information_schema.tables.table_rows); counted when they say nothing yet. */
export async function estimateRows(conn: PoolConnection, ctx: MysqlContext): Promise<number> {
  const [db, table] = ctx.table.qualified.split('.', 2);
  const [rows] = await conn.query<RowDataPacket[]>('select table_rows as n from information_schema.tables where table_schema = ? and table_name = ?', [
    db,
    table,
  ]);
  const n = Number(rows[0]?.n ?? 0);
  // A new table reports 0 until its statistics are computed; guessing low would read every key in splitKeys.
  return n > 0 ? n : countRange(conn, ctx, {});
}
