/**
 * The benchmark data set, shared by every backfill and verify benchmark: `rows` rows of about
 * 1 KB with mixed types (bigint key, uuid, text, numeric, double with NULLs, boolean, integer,
 * text[], jsonb, timestamptz version), generated inside PostgreSQL so that building 1M rows takes
 * seconds, not the benchmark's time. Reused when the table already has the requested row count.
 *   npx tsx scripts/bench/data-gen.ts [rows=1000000] [database=switchyard_bench]
 */
import { Client } from 'pg';

export const BENCH_TABLE = 'bench_rows';

/** The server URL with another database name. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await admin.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  return databaseUrl(adminUrl, database);
}

export const BENCH_COLUMNS = `
  id bigint primary key,
  uid uuid not null,
  name text not null,
  email text not null,
  balance numeric(14,2) not null,
  score double precision,
  active boolean not null,
  visits integer not null,
  tags text[] not null,
  attrs jsonb not null,
  bio text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null`;

/** Creates (or reuses) `table` with rows 1..rows in database `url`; returns the row count. */
export async function ensureBenchRows(url: string, rows: number, table = BENCH_TABLE): Promise<number> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const existing = await db.query<{ n: string }>(`select count(*) as n from ${table}`).catch(() => undefined);
    if (existing && Number(existing.rows[0].n) === rows) return rows;
    await db.query(`drop table if exists ${table}`);
    await db.query(`create table ${table} (${BENCH_COLUMNS})`);
    await db.query(
      `insert into ${table}
       select g, md5(g::text)::uuid, 'user ' || g, 'user' || g || '@example.com', (g * 1.37)::numeric(14,2),
              case when g % 10 = 0 then null else g / 7.0 end, g % 2 = 0, g % 1000,
              array['t' || (g % 5), 't' || (g % 11)],
              jsonb_build_object('plan', (array['free','pro','team'])[g % 3 + 1],
                                 'limits', jsonb_build_object('seats', g % 50, 'storage', g % 1000)),
              repeat(md5(g::text), 22),
              timestamptz '2024-01-01' + g * interval '1 second',
              timestamptz '2024-06-01' + g * interval '1 second'
       from generate_series(1, $1::bigint) g`,
      [rows],
    );
    await db.query(`analyze ${table}`);
    return rows;
  } finally {
    await db.end();
  }
}

if (require.main === module) {
  const rows = Number(process.argv[2] || 1_000_000);
  const database = process.argv[3] || 'switchyard_bench';
  const admin = process.env.SWITCHYARD_CONN_PG as string;
  void (async () => {
    const t = Date.now();
    const url = await ensureDatabase(admin, database);
    await ensureBenchRows(url, rows);
    console.log(`${database}.${BENCH_TABLE}: ${rows} rows ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  })();
}
