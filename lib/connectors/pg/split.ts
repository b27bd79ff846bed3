import type { PoolClient } from 'pg';
import { quoteIdent } from '../../sql/identifiers';
import { toKeyPart } from '../keys';
import { boundariesToRanges } from '../ranges';
import type { KeyRange } from '../types';
import type { PgContext } from './context';
import { decodeColumn } from './decode';
import { RAW_TEXT } from './session';
import { orderBy } from './sql';

/** Up to this many keys are read exactly; larger tables are sampled (TABLESAMPLE SYSTEM). */
const EXACT_LIMIT = 200_000;
const SAMPLE_PER_RANGE = 1000;

export async function splitKeys(client: PoolClient, ctx: PgContext, n: number): Promise<KeyRange[]> {
  const { rows: est } = await client.query<{ n: string }>({ text: 'select reltuples::bigint as n from pg_class where oid = to_regclass($1)', values: [ctx.table.sql], types: RAW_TEXT });
  const estimate = Number(est[0]?.n ?? -1);
  const percent = estimate > EXACT_LIMIT ? Math.min(100, (100 * n * SAMPLE_PER_RANGE) / estimate) : 100;
  const sample = percent < 100 ? ` tablesample system (${percent.toFixed(6)})` : '';
  const { rows } = await client.query<Record<string, string>>({
    text: `select ${ctx.key.map((k) => quoteIdent(k.name)).join(', ')} from ${ctx.table.sql}${sample} order by ${orderBy(ctx.key)}`,
    types: RAW_TEXT,
  });
  const keys = rows.map((r) => ctx.key.map((c) => toKeyPart(decodeColumn(c, r[c.name], ctx.options.zone))));
  return boundariesToRanges(keys, n);
}
