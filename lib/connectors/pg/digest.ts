import type { Pool, PoolClient } from 'pg';
import { quoteIdent } from '../../sql/identifiers';
import { pgPool } from '../clients';
import { checkBuckets, hex64 } from '../digest';
import type { DigestRequest, DigestSummarizer } from '../types';
import { loadContext, PgContext, PgEntityOptions } from './context';
import { directColumns } from './direct-columns';
import { keyOfRaw, literalRangeWhere } from './read';
import { inTransaction, RAW_TEXT } from './session';
import { orderBy } from './sql';

/**
 * Digests computed inside both PostgreSQL databases by one aggregate query per range and side,
 * no row leaving either server. The row text is PostgreSQL's own output of the row (the mapped
 * columns in one order on both sides), which equals on both sides exactly when the values do:
 * that holds when every column has the very same type and modifier on both sides (the direct
 * copy's rule, direct-columns.ts), every target column is mapped, and both servers print alike
 * (same major version and encoding; sessions pin the text settings, session.ts). Otherwise the
 * reason, and the caller uses the canonical worker-side form.
 */
export async function pgDigestPair(
  source: PgEntityOptions,
  target: PgEntityOptions,
  rename: (field: string) => string | null,
): Promise<{ source: DigestSummarizer; target: DigestSummarizer } | string> {
  const sourcePool = pgPool(source.conn);
  const targetPool = pgPool(target.conn);
  const [s, t] = await Promise.all([describe(sourcePool, source), describe(targetPool, target)]);
  if (s.server !== t.server) return `the servers print differently (${s.server} and ${t.server})`;
  const columns = directColumns(s.ctx, t.ctx, rename);
  if (typeof columns === 'string') return columns;
  const unmapped = [...t.ctx.table.columns.keys()].find((name) => !columns.some((c) => c.target === name));
  if (unmapped) return `${unmapped} is not mapped from the source`;
  return {
    source: pgDigests(
      sourcePool,
      s.ctx,
      columns.map((c) => c.source),
    ),
    target: pgDigests(
      targetPool,
      t.ctx,
      columns.map((c) => c.target),
    ),
  };
}

async function describe(pool: Pool, options: PgEntityOptions): Promise<{ ctx: PgContext; server: string }> {
  const client = await pool.connect();
  try {
    const ctx = await loadContext(client, options);
    const { rows } = await client.query<{ server: string }>(
      `select (current_setting('server_version_num')::int / 10000) || ' ' || current_setting('server_encoding') as server`,
    );
    return { ctx, server: rows[0].server };
  } finally {
    client.release();
  }
}

/** One side's summarizer over `columns` (in the order both sides share). */
function pgDigests(pool: Pool, ctx: PgContext, columns: string[]): DigestSummarizer {
  const row = `row(${columns.map(quoteIdent).join(', ')})::text`;
  const keyRow = `row(${ctx.key.map((k) => quoteIdent(k.name)).join(', ')})::text`;
  const bucket = (buckets: number) => `(('x' || substr(md5(${keyRow}), 1, 8))::bit(32)::int & ${buckets - 1})`;
  const hash = `substr(md5(${row}), 1, 16)`;
  const read = <T>(work: (client: PoolClient) => Promise<T>) => withClient(pool, (client) => inTransaction(client, 'read', () => work(client)));

  return {
    digestRange: (request: DigestRequest) =>
      read(async (client) => {
        checkBuckets(request.buckets);
        // A signed 64-bit row hash summed in numeric: the sum modulo 2^64 is that of the unsigned hashes.
        const { rows } = await client.query<{ b: number; n: number; s: string }>(
          `select b, count(*)::int as n, sum(h)::text as s from (
             select ${bucket(request.buckets)} as b, ('x' || ${hash})::bit(64)::bigint as h
             from ${ctx.table.sql} ${literalRangeWhere(ctx, request)}) d
           group by b`,
        );
        const counts = new Array<number>(request.buckets).fill(0);
        const sums = new Array<string>(request.buckets).fill(hex64(0n));
        for (const r of rows) {
          counts[r.b] = r.n;
          sums[r.b] = hex64(BigInt(r.s));
        }
        return { rows: counts.reduce((a, b) => a + b, 0), counts, sums };
      }),
    bucketRows: (request) =>
      read(async (client) => {
        checkBuckets(request.buckets);
        const where = literalRangeWhere(ctx, request);
        const { rows } = await client.query<Record<string, string>>({
          text: `select ${ctx.key.map((k) => quoteIdent(k.name)).join(', ')}, ${hash} as switchyard_row_hash
                 from ${ctx.table.sql} ${where ? `${where} and` : 'where'} ${bucket(request.buckets)} = any($1::int[])
                 order by ${orderBy(ctx.key)}`,
          values: [request.only],
          types: RAW_TEXT,
        });
        return rows.map((r) => ({ key: keyOfRaw(ctx, r), hash: r.switchyard_row_hash }));
      }),
  };
}

async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}
