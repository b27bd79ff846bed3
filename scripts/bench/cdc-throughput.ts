/**
 * CDC throughput, PostgreSQL → PostgreSQL: a burst of mixed single-statement transactions
 * (updates, inserts, deletes) while switchyard's stream and PostgreSQL's own logical replication
 * (CREATE SUBSCRIPTION, the baseline) apply it side by side; reports lag p50/p99 during the burst,
 * the time each needs to drain after it, and whether both targets equal the source.
 *   npx tsx scripts/bench/cdc-throughput.ts [burstSeconds=60] [writers=4] [rows=100000]
 */
import { Client } from 'pg';
import { cdcPrepare, cdcTeardown } from '../../activities/cdc';
import { openStream } from '../../lib/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import { redactSecrets } from '../../lib/redact';
import { parseSpec } from '../../lib/spec/schema';
import { databaseUrl, ensureDatabase } from './data-gen';
import { fmt, printTable } from './table';

const [burstSeconds = 60, writers = 4, rows = 100_000] = process.argv.slice(2).map(Number);
const admin = process.env.SWITCHYARD_CONN_PG as string;
const DBS = { src: 'cdc_bench_src', native: 'cdc_bench_native', sy: 'cdc_bench_switchyard' };
const TABLE = 'create table items (id integer primary key, qty integer not null, note text, version bigint not null)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connect(db: string): Promise<Client> {
  const c = new Client({ connectionString: databaseUrl(admin, db) });
  await c.connect();
  return c;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function fresh(): Promise<Record<keyof typeof DBS, Client>> {
  const a = await connect('postgres');
  await a.query(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = 'cdc_bench_native'`);
  for (const db of Object.values(DBS)) await a.query(`drop database if exists ${db} with (force)`);
  await a.end();
  for (const db of Object.values(DBS)) await ensureDatabase(admin, db);
  const c = { src: await connect(DBS.src), native: await connect(DBS.native), sy: await connect(DBS.sy) };
  for (const client of Object.values(c)) await client.query(TABLE);
  const seed = `insert into items select g, g % 1000, repeat('x', 100), 1 from generate_series(1, ${rows}) g`;
  for (const client of Object.values(c)) await client.query(seed);
  return c;
}

/** One writer: random mixed statements, each its own transaction, until the deadline. */
async function writer(deadline: number, seed: number): Promise<number> {
  const c = await connect(DBS.src);
  let n = 0;
  let next = rows + 1 + seed * 10_000_000;
  while (Date.now() < deadline) {
    const r = Math.random();
    const id = 1 + Math.floor(Math.random() * rows);
    if (r < 0.6) await c.query('update items set qty = qty + 1, version = version + 1 where id = $1', [id]);
    else if (r < 0.85) await c.query(`insert into items values ($1, 0, 'new', 1)`, [next++]);
    else await c.query('delete from items where id = $1', [id]);
    n++;
  }
  await c.end();
  return n;
}

const digest = `select count(*)::int as n, md5(string_agg(id || ':' || qty || ':' || version, ',' order by id)) as h from items`;

async function main() {
  const c = await fresh();
  const env = { SWITCHYARD_CONN_BENCHSRC: databaseUrl(admin, DBS.src), SWITCHYARD_CONN_BENCHSY: databaseUrl(admin, DBS.sy) };
  Object.assign(process.env, env);
  const parsed = parseSpec({
    id: 'cdc-bench', source: { connection: 'BENCHSRC' }, target: { connection: 'BENCHSY' }, control: { connection: 'BENCHSRC' }, sync: 'cdc',
    entities: [{ name: 'items', from: { table: 'items', key: ['id'], version: 'version' }, to: { table: 'items' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const spec = parsed.spec;
  await cdcPrepare({ migrationId: spec.id, spec });
  // Native baseline: a subscription to the same cluster cannot create its slot itself (it would wait
  // on its own transaction), so the slot is made first and the subscription told not to create one.
  await c.src.query('create publication cdc_bench_native for table items');
  await c.src.query(`select pg_create_logical_replication_slot('cdc_bench_native', 'pgoutput')`);
  await c.native.query(`create subscription cdc_bench_native connection '${databaseUrl(admin, DBS.src).replace(/'/g, "''")}' publication cdc_bench_native
    with (create_slot = false, slot_name = 'cdc_bench_native', copy_data = false)`);

  const stream = await openStream(spec.id, spec, { maxRetainedBytes: 8 * 1024 ** 3 });
  const syLag: number[] = [];
  const nativeLag: number[] = [];
  let streaming = true;
  const consumer = (async () => {
    while (streaming) {
      const s = await stream.step(5000, () => undefined);
      syLag.push(s.lagSeconds);
      if (s.caughtUp) await sleep(50);
    }
  })();
  const deadline = Date.now() + burstSeconds * 1000;
  const sampler = (async () => {
    while (Date.now() < deadline) {
      const { rows: r } = await c.src.query(`select coalesce(extract(epoch from replay_lag), 0)::float8 as lag from pg_stat_replication where application_name = 'cdc_bench_native'`);
      nativeLag.push(Number(r[0]?.lag ?? 0));
      await sleep(200);
    }
  })();
  const counts = await Promise.all(Array.from({ length: writers }, (_, i) => writer(deadline, i)));
  await sampler;
  const { rows: [end] } = await c.src.query(`select pg_current_wal_lsn()::text as lsn`);
  const burstEnd = Date.now();
  const caughtUp = async (slot: string) => {
    for (;;) {
      const { rows: r } = await c.src.query(`select confirmed_flush_lsn >= $2::pg_lsn as done from pg_replication_slots where slot_name = $1`, [slot, end.lsn]);
      if (r[0].done) return Date.now() - burstEnd;
      await sleep(20);
    }
  };
  const [syDrain, nativeDrain] = await Promise.all([caughtUp(stream.names.slot), caughtUp('cdc_bench_native')]);
  streaming = false;
  await consumer;
  await stream.close();
  const [s, n, y] = await Promise.all([c.src.query(digest), c.native.query(digest), c.sy.query(digest)]);
  const statements = counts.reduce((a, b) => a + b, 0);
  console.log(`burst: ${fmt(statements)} statements in ${burstSeconds} s from ${writers} writers (${fmt(statements / burstSeconds)}/s), ${fmt(rows)} seed rows\n`);
  printTable(['consumer', 'lag p50 s', 'lag p99 s', 'drain after burst s', 'target equals source'], [
    ['switchyard (peek/apply/advance)', fmt(quantile(syLag, 0.5), 2), fmt(quantile(syLag, 0.99), 2), fmt(syDrain / 1000, 2), String(y.rows[0].h === s.rows[0].h && y.rows[0].n === s.rows[0].n)],
    ['native CREATE SUBSCRIPTION', fmt(quantile(nativeLag, 0.5), 2), fmt(quantile(nativeLag, 0.99), 2), fmt(nativeDrain / 1000, 2), String(n.rows[0].h === s.rows[0].h && n.rows[0].n === s.rows[0].n)],
  ]);

  await c.native.query('alter subscription cdc_bench_native disable');
  await c.native.query('alter subscription cdc_bench_native set (slot_name = none)');
  await c.native.query('drop subscription cdc_bench_native');
  await c.src.query(`select pg_drop_replication_slot('cdc_bench_native')`);
  await cdcTeardown({ migrationId: spec.id, spec });
  for (const client of Object.values(c)) await client.end();
  await closeAllClients();
}

main().catch((err) => {
  console.error(redactSecrets(err instanceof Error ? err.message : String(err)));
  process.exit(1);
});
