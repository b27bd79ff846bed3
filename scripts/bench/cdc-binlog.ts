/**
 * Binlog CDC into PostgreSQL: a MariaDB `items` table (the CDC workload of cdc-workload.ts)
 * streamed by switchyard's binlog stream into PostgreSQL, beside a baseline: the same binlog read
 * by @vlasky/zongji alone, decoded and not applied (the floor the client sets).
 *   1. drain: writers fill the binlog for `prefillSeconds` with no consumer running; then each
 *      consumer in turn reads it from the same start; statements per second until it reaches the end.
 *   2. lag: writers paced at `rate` for `lagSeconds` with both consumers running; a probe row's
 *      version is set to the wall clock every 50 ms; lag = now − the probe version the consumer has
 *      (the PostgreSQL target for switchyard, the last row image for the baseline), every 20 ms.
 * Then the target is compared with the source by digests computed in each database.
 *   npx tsx scripts/bench/cdc-binlog.ts [prefillSeconds=20] [lagSeconds=30] [rate=400] [writers=4] [rows=100000]
 */
import ZongJi, { BinlogEvent, UpdateRowsEvent } from '@vlasky/zongji';
import { createConnection } from 'mysql2/promise';
import { Client, Pool } from 'pg';
import type { Stream } from '../../lib/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import { mysqlEngine } from '../../lib/connectors/mysql/engine';
import { redactSecrets } from '../../lib/redact';
import { MigrationSpec, parseSpec } from '../../lib/spec/schema';
import { ITEMS_DIGEST, ITEMS_TABLE, ItemsSession, quantile, sleep, writer } from './cdc-workload';
import { databaseUrl, ensureDatabase } from './data-gen';
import { fmt, printTable } from './table';

const [prefillSeconds = 20, lagSeconds = 30, rate = 400, writers = 4, rows = 100_000] = process.argv.slice(2).map(Number);
const DB = 'cdc_bench_binlog';
const myUrl = (() => {
  const u = new URL(process.env.SWITCHYARD_CONN_MYSQL as string);
  u.pathname = `/${DB}`;
  return u.toString();
})();
const pgUrl = databaseUrl(process.env.SWITCHYARD_CONN_PG as string, DB);

async function mysqlSession(): Promise<ItemsSession & { query: (sql: string) => Promise<unknown> }> {
  const c = await createConnection({ uri: myUrl, supportBigNumbers: true, bigNumberStrings: true });
  const sql = {
    update: 'update items set qty = qty + 1, version = version + 1 where id = ?',
    insert: `insert into items values (?, 0, 'new', 1)`,
    delete: 'delete from items where id = ?',
  };
  return { run: (kind, id) => c.query(sql[kind], [id]), query: (q) => c.query(q), end: () => c.end() };
}

async function fresh(): Promise<Client> {
  const admin = await createConnection({ uri: process.env.SWITCHYARD_CONN_MYSQL as string });
  await admin.query(`drop database if exists ${DB}`);
  await admin.query(`create database ${DB} character set utf8mb4`);
  await admin.query(`use ${DB}`);
  await admin.query(ITEMS_TABLE);
  await admin.query(`insert into items select seq, seq % 1000, repeat('x', 100), 1 from seq_0_to_${rows}`);
  await admin.end();
  const a = new Client({ connectionString: databaseUrl(process.env.SWITCHYARD_CONN_PG as string, 'postgres') });
  await a.connect();
  await a.query(`drop database if exists ${DB} with (force)`);
  await a.end();
  await ensureDatabase(process.env.SWITCHYARD_CONN_PG as string, DB);
  const pg = new Client({ connectionString: pgUrl });
  await pg.connect();
  await pg.query(ITEMS_TABLE);
  await pg.query(`insert into items select g, g % 1000, repeat('x', 100), 1 from generate_series(0, ${rows}) g`);
  return pg;
}

function benchSpec(): MigrationSpec {
  const parsed = parseSpec({
    id: 'cdc-bench-binlog',
    sync: 'cdc',
    source: { connection: 'BENCHMY' },
    target: { connection: 'BENCHPG' },
    control: { connection: 'BENCHPG' },
    entities: [{ name: 'items', from: { table: 'items', key: ['id'], version: 'version' }, to: { table: 'items' } }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.spec;
}

async function masterStatus(s: { query: (sql: string) => Promise<unknown> }): Promise<{ file: string; offset: number }> {
  const [[r]] = (await s.query('show master status')) as [[{ File: string; Position: number }]];
  return { file: r.File, offset: Number(r.Position) };
}
const reached = (p: { file: string; offset: number }, end: { file: string; offset: number }) =>
  p.file > end.file || (p.file === end.file && p.offset >= end.offset);

/** The baseline: zongji alone from a position, counting row changes; `probeMs` is the last probe version it decoded. */
function rawReader(from: { file: string; offset: number }) {
  const z = new ZongJi({ uri: myUrl, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  const state = { changes: 0, probeMs: 0, failure: undefined as Error | undefined };
  z.on('error', (err: Error) => (state.failure = err));
  z.on('binlog', (e: BinlogEvent) => {
    const name = e.getEventName();
    if (name === 'writerows' || name === 'deleterows') state.changes += (e as UpdateRowsEvent).rows.length;
    if (name !== 'updaterows') return;
    for (const r of (e as UpdateRowsEvent).rows) {
      state.changes++;
      if (Number(r.after.id) === 0) state.probeMs = Number(r.after.version);
    }
  });
  z.start({ serverId: 4_242_424, filename: from.file, position: from.offset, includeSchema: { [DB]: ['items'] } });
  const position = () => ({ file: String(z.options.filename), offset: Number(z.options.position) });
  return { state, position, stop: () => z.stop() };
}

/** `round` keeps each burst's inserted ids apart from the others'. */
async function burst(round: number, seconds: number, perWriter: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  const counts = await Promise.all(
    Array.from({ length: writers }, (_, i) => writer({ connect: mysqlSession, rows, deadline, rate: perWriter, seed: round * writers + i })),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function main() {
  const pg = await fresh();
  Object.assign(process.env, { SWITCHYARD_CONN_BENCHMY: myUrl, SWITCHYARD_CONN_BENCHPG: pgUrl });
  const spec = benchSpec();
  const ref = { migrationId: spec.id, spec };
  const control = new Pool({ connectionString: pgUrl, max: 2 });
  const capture = await mysqlEngine.changeCapture!();
  await capture.teardown({ ...ref, identityChanges: [] }, control);
  const { start } = await capture.prepare(ref, control);
  const s = await mysqlSession();

  // 1. Drain a prefilled binlog.
  const prefilled = await burst(0, prefillSeconds, 0);
  const end = await masterStatus(s);
  const from = { file: start.slice(0, start.lastIndexOf(':')), offset: Number(start.slice(start.lastIndexOf(':') + 1)) };
  let t = Date.now();
  const raw = rawReader(from);
  while (!reached(raw.position(), end)) {
    if (raw.state.failure) throw raw.state.failure;
    await sleep(20);
  }
  const rawDrain = (Date.now() - t) / 1000;
  raw.stop();
  t = Date.now();
  const stream: Stream = await capture.open(ref, control, { maxRetainedBytes: 0 });
  while (!(await stream.step(5000, () => undefined)).caughtUp);
  const syDrain = (Date.now() - t) / 1000;

  // 2. Lag under a paced load, both consumers running.
  const live = rawReader(await masterStatus(s));
  let running = true;
  const consumer = (async () => {
    while (running) if ((await stream.step(5000, () => undefined)).caughtUp) await sleep(50);
  })();
  const probe = (async () => {
    for (const stopAt = Date.now() + lagSeconds * 1000; Date.now() < stopAt; await sleep(50))
      await s.query(`update items set version = ${Date.now()} where id = 0`);
  })();
  const lags = { sy: [] as number[], raw: [] as number[] };
  const sampler = (async () => {
    await sleep(1000);
    for (const stopAt = Date.now() + lagSeconds * 1000 - 1000; Date.now() < stopAt; await sleep(20)) {
      const { rows: r } = await pg.query<{ v: string }>('select version::text as v from items where id = 0');
      lags.sy.push((Date.now() - Number(r[0].v)) / 1000);
      lags.raw.push((Date.now() - live.state.probeMs) / 1000);
    }
  })();
  const paced = await burst(1, lagSeconds, rate / writers);
  await Promise.all([probe, sampler]);
  const finalEnd = await masterStatus(s);
  while (!reached(live.position(), finalEnd)) await sleep(20);
  running = false;
  await consumer;
  while (!(await stream.step(5000, () => undefined)).caughtUp);
  await stream.close();
  live.stop();

  await s.query('set session group_concat_max_len = 1073741824');
  const [[source]] = (await s.query(
    `select count(*) as n, md5(group_concat(concat(id, ':', qty, ':', version) order by id separator ',')) as h from items`,
  )) as [[{ n: number; h: string }]];
  const target = (await pg.query(ITEMS_DIGEST)).rows[0];
  console.log(
    `drain: ${fmt(prefilled)} statements written in ${prefillSeconds} s by ${writers} writers (${fmt(prefilled / prefillSeconds)}/s), ${fmt(rows)} seed rows`,
  );
  console.log(`lag: ${fmt(paced)} statements in ${lagSeconds} s, paced at ${fmt(rate)}/s, plus a probe update every 50 ms (lag resolution)\n`);
  printTable(
    ['consumer', 'drain s', 'drain statements/s', 'lag p50 s', 'lag p99 s', 'target equals source'],
    [
      [
        'zongji alone (decode only, baseline)',
        fmt(rawDrain, 2),
        fmt(prefilled / rawDrain),
        fmt(quantile(lags.raw, 0.5), 2),
        fmt(quantile(lags.raw, 0.99), 2),
        '-',
      ],
      [
        'switchyard binlog → PostgreSQL',
        fmt(syDrain, 2),
        fmt(prefilled / syDrain),
        fmt(quantile(lags.sy, 0.5), 2),
        fmt(quantile(lags.sy, 0.99), 2),
        String(Number(source.n) === Number(target.n) && source.h === target.h),
      ],
    ],
  );
  await capture.teardown({ ...ref, identityChanges: [] }, control);
  await s.end();
  await pg.end();
  await control.end();
  await closeAllClients();
}

main().catch((err) => {
  console.error(redactSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err)));
  process.exit(1);
});
