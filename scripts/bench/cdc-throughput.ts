/**
 * CDC throughput: a burst of mixed single-statement transactions (updates, inserts, deletes) on a
 * PostgreSQL `items` table while several consumers apply the same WAL side by side:
 *   sy-pg     switchyard's stream into PostgreSQL
 *   native    PostgreSQL's own logical replication (CREATE SUBSCRIPTION), the PG → PG baseline
 *   sy-mongo  switchyard's stream into the MongoDB connection (FerretDB dialect)
 * Reports lag p50/p99 during the burst, the time each needs to drain after it, and whether each
 * target equals the source (digests computed in each database, or from the raw documents).
 *   npx tsx scripts/bench/cdc-throughput.ts [burstSeconds=60] [writers=4] [rows=100000] [rate=0] [consumers=sy-pg,native,sy-mongo] [batch=5000]
 * rate = total statements per second over all writers (0 = unthrottled: a burst to drain).
 */
import { Client } from 'pg';
import { closeAllClients } from '../../lib/connectors/clients';
import { redactSecrets } from '../../lib/redact';
import { MigrationSpec, parseSpec } from '../../lib/spec/schema';
import { Consumer, drainTimes, nativeConsumer, switchyardConsumer } from './cdc-consumers';
import { dropMongoDatabase, mongoItemsDigest, seedMongo } from './cdc-mongo-target';
import { ITEMS_DIGEST, ITEMS_TABLE, pgItemsSession, quantile, seedItems, writer } from './cdc-workload';
import { databaseUrl, ensureDatabase } from './data-gen';
import { fmt, printTable } from './table';

const args = process.argv.slice(2);
const [burstSeconds = 60, writers = 4, rows = 100_000, rate = 0] = args.slice(0, 4).map(Number);
const consumers = (args[4] ?? 'sy-pg,native,sy-mongo').split(',');
const batch = Number(args[5] ?? 5000);
const admin = process.env.SWITCHYARD_CONN_PG as string;
const DBS = { src: 'cdc_bench_src', native: 'cdc_bench_native', sy: 'cdc_bench_switchyard' };
const MONGO_DB = 'cdc_bench';

async function connect(db: string): Promise<Client> {
  const c = new Client({ connectionString: databaseUrl(admin, db) });
  await c.connect();
  return c;
}

async function fresh(): Promise<Record<keyof typeof DBS, Client>> {
  const a = await connect('postgres');
  await a.query(
    `select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name like 'cdc_bench%' or slot_name like 'switchyard_cdc_bench%'`,
  );
  for (const db of Object.values(DBS)) await a.query(`drop database if exists ${db} with (force)`);
  await a.end();
  for (const db of Object.values(DBS)) await ensureDatabase(admin, db);
  const c = { src: await connect(DBS.src), native: await connect(DBS.native), sy: await connect(DBS.sy) };
  for (const client of Object.values(c)) await client.query(ITEMS_TABLE);
  for (const client of Object.values(c)) await client.query(seedItems(rows));
  return c;
}

function spec(id: string, target: unknown, to: unknown, fields: Record<string, string> = {}): MigrationSpec {
  const parsed = parseSpec({
    id,
    source: { connection: 'BENCHSRC' },
    target,
    control: { connection: 'BENCHSRC' },
    sync: 'cdc',
    entities: [{ name: 'items', from: { table: 'items', key: ['id'], version: 'version' }, to, fields }],
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.spec;
}

const SPECS: Record<string, () => MigrationSpec> = {
  'sy-pg': () => spec('cdc-bench', { connection: 'BENCHSY' }, { table: 'items' }),
  'sy-mongo': () => spec('cdc-bench-mongo', { connection: 'MONGO', database: MONGO_DB, dialect: 'ferretdb' }, { collection: 'items' }, { id: '_id' }),
};
const LABELS: Record<string, string> = {
  'sy-pg': 'switchyard → PostgreSQL',
  native: 'native CREATE SUBSCRIPTION → PostgreSQL',
  'sy-mongo': 'switchyard → FerretDB',
};

async function main() {
  const c = await fresh();
  Object.assign(process.env, { SWITCHYARD_CONN_BENCHSRC: databaseUrl(admin, DBS.src), SWITCHYARD_CONN_BENCHSY: databaseUrl(admin, DBS.sy) });
  if (consumers.includes('sy-mongo')) {
    await dropMongoDatabase(MONGO_DB);
    await seedMongo(SPECS['sy-mongo']());
  }
  const running = new Map<string, Consumer>();
  for (const name of consumers) {
    if (name === 'native') running.set(name, await nativeConsumer(databaseUrl(admin, DBS.src), c.native));
    else if (SPECS[name]) running.set(name, await switchyardConsumer(SPECS[name](), batch));
    else throw new Error(`unknown consumer ${name} (sy-pg, native, sy-mongo)`);
  }

  const deadline = Date.now() + burstSeconds * 1000;
  const url = databaseUrl(admin, DBS.src);
  const counts = await Promise.all(
    Array.from({ length: writers }, (_, i) => writer({ connect: () => pgItemsSession(url), rows, deadline, rate: rate / writers, seed: i })),
  );
  const {
    rows: [end],
  } = await c.src.query(`select pg_current_wal_lsn()::text as lsn`);
  const burstEnd = Date.now();
  const drains = await drainTimes(c.src, [...running.values()], end.lsn, burstEnd);
  for (const consumer of running.values()) await consumer.stop();

  const source = (await c.src.query(ITEMS_DIGEST)).rows[0];
  const digests: Record<string, () => Promise<{ n: number; h: string }>> = {
    'sy-pg': async () => (await c.sy.query(ITEMS_DIGEST)).rows[0],
    native: async () => (await c.native.query(ITEMS_DIGEST)).rows[0],
    'sy-mongo': () => mongoItemsDigest(MONGO_DB),
  };
  const statements = counts.reduce((a, b) => a + b, 0);
  const asked = rate > 0 ? `, paced at ${fmt(rate)}/s` : ', unthrottled';
  console.log(
    `burst: ${fmt(statements)} statements in ${burstSeconds} s from ${writers} writers (${fmt(statements / burstSeconds)}/s${asked}), ${fmt(rows)} seed rows, batch ${batch}\n`,
  );
  const table: string[][] = [];
  for (const [i, [name, k]] of [...running].entries()) {
    const d = await digests[name]();
    table.push([
      LABELS[name],
      fmt(quantile(k.lags, 0.5), 2),
      fmt(quantile(k.lags, 0.99), 2),
      fmt(drains[i] / 1000, 2),
      String(d.n === source.n && d.h === source.h),
    ]);
  }
  printTable(['consumer', 'lag p50 s', 'lag p99 s', 'drain after burst s', 'target equals source'], table);

  for (const client of Object.values(c)) await client.end();
  await closeAllClients();
}

main().catch((err) => {
  console.error(redactSecrets(err instanceof Error ? err.message : String(err)));
  process.exit(1);
});
