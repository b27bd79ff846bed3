import type { PoolClient } from 'pg';
import type { KeyRange } from '../types';
import type { PgContext } from './context';
import { rangeWhere } from './read';
import { RAW_TEXT } from './session';

export async function countRange(client: PoolClient, ctx: PgContext, range: KeyRange): Promise<number> {
  const { where, params } = rangeWhere(ctx, range);
  const { rows } = await client.query<{ n: string }>({ text: `select count(*) as n from ${ctx.table.sql} ${where}`, values: params, types: RAW_TEXT });
  return Number(rows[0].n);
}

/** Rows in the table from statistics (pg_class.reltuples); counted when the table was never analysed. */
export async function estimateRows(client: PoolClient, ctx: PgContext): Promise<number> {
  const { rows } = await client.query<{ n: string }>({
    text: 'select reltuples::bigint as n from pg_class where oid = to_regclass($1)',
    values: [ctx.table.sql],
    types: RAW_TEXT,
  });
  const n = Number(rows[0]?.n ?? -1);
  // -1: never analysed (a new table, or one autovacuum has not reached yet). A count scans the
  // table once in constant memory; guessing low would make splitKeys read every key.
  return n >= 0 ? n : countRange(client, ctx, {});
}
