/**
 * Which FerretDB backend should the local stack use? Starts one FerretDB per backend on spare
 * ports — SQLite, PostgreSQL as shipped, PostgreSQL with switchyard's _id index
 * (scripts/sql/ferretdb-postgresql-tuning.sql) — and runs, side by side in one run, the
 * operations switchyard issues: bulk inserts (backfill), point reads and version-guarded
 * replaces by _id (router, CDC, reconcile), $in look-ups (verification) and keyset pages.
 * Each runs at two collection sizes so that cost growing with the collection shows.
 *   npx tsx scripts/bench/ferretdb-backends.ts [smallDocs=5000] [largeDocs=40000]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { MongoClient } from 'mongodb';
import { fmt, printTable } from './table';

const SIZES = [Number(process.argv[2] || 5000), Number(process.argv[3] || 40000)];
const BATCH = 1000;
const POINT_OPS = 100;
const pgUrl = process.env.SWITCHYARD_CONN_PG || 'postgresql://postgres:switchyard-local@127.0.0.1:5432/postgres';
const TUNING = readFileSync(join(__dirname, '..', 'sql', 'ferretdb-postgresql-tuning.sql'), 'utf8');

interface Doc {
  _id: number;
  name: string;
  email: string;
  balance: number;
  tags: string[];
  bio: string;
  version: number;
}
const makeDoc = (i: number, version = 1): Doc => ({
  _id: i,
  name: `user ${i}`,
  email: `user${i}@example.com`,
  balance: i * 1.5,
  tags: ['a', 'b', String(i % 7)],
  bio: 'x'.repeat(800),
  version,
});

async function connect(url: string): Promise<MongoClient> {
  for (let i = 0; i < 100; i++) {
    try {
      return await MongoClient.connect(url, { serverSelectionTimeoutMS: 500 });
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`FerretDB at ${url} did not answer`);
}

/** Operations per second of `n` sequential calls of `op`. */
async function rate(n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op(i);
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function workload(client: MongoClient, docs: number) {
  const coll = client.db('bench').collection<Doc>(`users_${docs}`);
  await coll.drop().catch(() => undefined);
  const batches = Math.ceil(docs / BATCH);
  const insert =
    BATCH *
    (await rate(batches, (b) =>
      coll.insertMany(
        Array.from({ length: Math.min(BATCH, docs - b * BATCH) }, (_, j) => makeDoc(b * BATCH + j)),
        { ordered: false },
      ),
    ));
  const spread = (i: number) => (i * 7919) % docs;
  const find = await rate(POINT_OPS, (i) => coll.findOne({ _id: spread(i) }));
  const guarded = await rate(POINT_OPS, (i) => coll.replaceOne({ _id: spread(i), version: { $lt: 2 } }, makeDoc(spread(i), 2)));
  const inKeys = BATCH * (await rate(3, (i) => coll.find({ _id: { $in: Array.from({ length: BATCH }, (_, j) => spread(i * BATCH + j)) } }).toArray()));
  const page =
    BATCH *
    (await rate(3, (i) =>
      coll
        .find({ _id: { $gt: spread(i) } })
        .sort({ _id: 1 })
        .limit(BATCH)
        .toArray(),
    ));
  await coll.drop();
  return { insert, find, guarded, inKeys, page };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sy-ferret-'));
  const admin = new Client({ connectionString: pgUrl });
  await admin.connect();
  const backends: Array<{ name: string; port: number; args: string[] }> = [
    { name: 'sqlite', port: 27101, args: ['--handler=sqlite', `--sqlite-url=file:${dir}/`] },
  ];
  for (const [name, port, tuned] of [
    ['postgresql', 27102, false],
    ['postgresql + _id index', 27103, true],
  ] as const) {
    const db = `ferretdb_bench_${port}`;
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.query(`create database ${db}`);
    if (tuned) {
      const c = new Client({ connectionString: pgUrl.replace(/\/[^/?]*(\?|$)/, `/${db}$1`) });
      await c.connect();
      await c.query(TUNING);
      await c.end();
    }
    const url = new URL(pgUrl);
    url.pathname = `/${db}`;
    backends.push({ name, port, args: ['--handler=postgresql', `--postgresql-url=${url}`] });
  }
  const procs: ChildProcess[] = backends.map((b) =>
    spawn('ferretdb', [`--listen-addr=127.0.0.1:${b.port}`, '--telemetry=disable', '--debug-addr=-', '--log-level=error', `--state-dir=${dir}`, ...b.args], {
      stdio: 'ignore',
    }),
  );
  try {
    const rows: (string | number)[][] = [];
    for (const docs of SIZES) {
      const results = [];
      for (const b of backends) {
        const client = await connect(`mongodb://127.0.0.1:${b.port}/`);
        results.push(await workload(client, docs));
        await client.close();
      }
      const labels: Array<[string, keyof (typeof results)[0]]> = [
        ['insertMany (docs/s)', 'insert'],
        ['findOne by _id (ops/s)', 'find'],
        ['replaceOne, version guard (ops/s)', 'guarded'],
        ['find _id $in 1000 (docs/s)', 'inKeys'],
        ['keyset page of 1000 (docs/s)', 'page'],
      ];
      for (const [label, k] of labels) rows.push([fmt(docs), label, ...results.map((r) => fmt(r[k])), `${fmt(results[2][k] / results[0][k], 2)}x`]);
    }
    console.log(`FerretDB 1.24 backends, ~1 KB documents, one client, sequential operations (higher is better)\n`);
    printTable(['docs', 'operation', ...backends.map((b) => b.name), 'indexed pg / sqlite'], rows);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    for (const b of backends.slice(1)) await admin.query(`drop database if exists ferretdb_bench_${b.port} with (force)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
