import type { PoolConnection } from 'mysql2/promise';
import { boundariesToRanges } from '../ranges';
import type { KeyRange } from '../types';
import type { MysqlContext } from './context';
import { estimateRows } from './count';
import { keyOfRaw, selectRaw } from './read';
import { orderBy, quoteId } from './sql';

/** Up to this many keys are read exactly; larger tables are sampled, about this many keys per range. */
const EXACT_LIMIT = 200_000;
const SAMPLE_KEYS_PER_RANGE = 1000;

/** n ranges of about equal row counts, cut at keys in the byte order every range uses (sql.ts). */
export async function splitKeys(conn: PoolConnection, ctx: MysqlContext, n: number): Promise<KeyRange[]> {
  const estimate = await estimateRows(conn, ctx);
  const keep = estimate > EXACT_LIMIT ? Math.min(1, (n * SAMPLE_KEYS_PER_RANGE) / estimate) : 1;
  const rows = await selectRaw(
    conn,
    ctx,
    `select ${ctx.key.map((k) => quoteId(k.name)).join(', ')} from ${ctx.table.sql}${keep < 1 ? ` where rand() < ${keep.toFixed(6)}` : ''} order by ${orderBy(ctx.key)}`,
  );
  return boundariesToRanges(
    rows.map((r) => keyOfRaw(ctx, r)),
    n,
  );
}
