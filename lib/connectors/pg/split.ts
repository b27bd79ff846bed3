import type { PoolClient } from 'pg';
import { quoteIdent } from '../../sql/identifiers';
import { toKeyPart } from '../keys';
import { boundariesToRanges } from '../ranges';
import type { KeyRange } from '../types';
import type { PgContext } from './context';
import { estimateRows } from './count';
import { decodeColumn } from './decode';
import { RAW_TEXT } from './session';
import { orderBy } from './sql';

/** Up to this many keys are read exactly; larger tables are sampled (TABLESAMPLE SYSTEM). */
const EXACT_LIMIT = 200_000;
/**
 * Sampled per range: keys from many pages. SYSTEM samples whole pages, and keys usually cluster
 * by page (insert order), so the page count decides how close the cuts come to the quantiles; of
 * the sampled pages' rows a random share is kept, enough for the key count, so narrow rows do not
 * blow up memory. 400 pages and 1000 keys per range: measured within 12% of an even share (30
 * splits of a 210k-row table).
 */
const SAMPLE_PAGES_PER_RANGE = 400;
const SAMPLE_KEYS_PER_RANGE = 1000;

export async function splitKeys(client: PoolClient, ctx: PgContext, n: number): Promise<KeyRange[]> {
  const estimate = await estimateRows(client, ctx);
  const sample = estimate > EXACT_LIMIT ? await sampleClause(client, ctx, n, estimate) : '';
  const { rows } = await client.query<Record<string, string>>({
    text: `select ${ctx.key.map((k) => quoteIdent(k.name)).join(', ')} from ${ctx.table.sql}${sample} order by ${orderBy(ctx.key)}`,
    types: RAW_TEXT,
  });
  const keys = rows.map((r) => ctx.key.map((c) => toKeyPart(decodeColumn(c, r[c.name], ctx.options.zone))));
  return boundariesToRanges(keys, n);
}

async function sampleClause(client: PoolClient, ctx: PgContext, n: number, rows: number): Promise<string> {
  const { rows: size } = await client.query<{ pages: string }>({
    text: `select greatest(1, pg_relation_size($1::regclass) / current_setting('block_size')::int) as pages`,
    values: [ctx.table.sql],
    types: RAW_TEXT,
  });
  const pages = Math.min(1, (n * SAMPLE_PAGES_PER_RANGE) / Number(size[0].pages));
  const keep = Math.min(1, (n * SAMPLE_KEYS_PER_RANGE) / (rows * pages));
  return `${pages < 1 ? ` tablesample system (${(100 * pages).toFixed(6)})` : ''}${keep < 1 ? ` where random() < ${keep.toFixed(6)}` : ''}`;
}
