/**
 * Which FerretDB backend should the local stack use? Starts one FerretDB per backend (SQLite,
 * PostgreSQL) on spare ports and runs the write and read shapes switchyard uses against both,
 * side by side in the same run: bulk inserts (backfill), version-guarded bulk upserts
 * (backfill over existing data), per-document updates (dual writes, CDC) and key look-ups.
 *   npx tsx scripts/bench/ferretdb-backends.ts [docs=20000]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { MongoClient, AnyBulkWriteOperation } from 'mongodb';
import { fmt, printTable } from './table';

const DOCS = Number(process.argv[2] || 20000);
const BATCH = 1000;
const SINGLE_UPDATES = 1000;
const pgUrl = process.env.SWITCHYARD_CONN_PG || 'postgresql://postgres:switchyard-local@127.0.0.1:5432/postgres';

interface Doc { _id: number; name: string; email: string; balance: number; tags: string[]; bio: string; version: number }
const makeDoc = (i: number, version = 1): Doc => ({
  _id: i, name: `user ${i}`, email: `user${i}@example.com`, balance: i * 1.5, tags: ['a', 'b', String(i % 7)],
  bio: 'x'.repeat(800), version,
});

async function waitPort(url: string): Promise<MongoClient> {
  for (let i = 0; i < 100; i++) {
    try { return await MongoClient.connect(url, { serverSelectionTimeoutMS: 500 }); } catch { await new Promise((r) => setTimeout(r, 200)); }
  }
  throw new Error(`FerretDB at ${url} did not answer`);
}

async function timed(fn: () => Promise<number>): Promise<number> {
  const t = process.hrtime.bigint();
  const n = await fn();
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function workload(client: MongoClient) {
  const coll = client.db('bench').collection<Doc>('users');
  await coll.drop().catch(() => undefined);
  const insert = await timed(async () => {
    for (let i = 0; i < DOCS; i += BATCH) await coll.insertMany(Array.from({ length: Math.min(BATCH, DOCS - i) }, (_, j) => makeDoc(i + j)), { ordered: false });
    return DOCS;
  });
  // Version-guarded replace: the backfill shape when the target already holds some rows.
  const guarded = await timed(async () => {
    for (let i = 0; i < DOCS; i += BATCH) {
      const ops: AnyBulkWriteOperation<Doc>[] = [];
      for (let j = i; j < Math.min(i + BATCH, DOCS); j++) {
        ops.push({ replaceOne: { filter: { _id: j, version: { $lt: 2 } }, replacement: makeDoc(j, 2) } });
      }
      await coll.bulkWrite(ops, { ordered: false });
    }
    return DOCS;
  });
  const single = await timed(async () => {
    for (let j = 0; j < SINGLE_UPDATES; j++) await coll.updateOne({ _id: j }, { $set: { balance: j, version: 3 } });
    return SINGLE_UPDATES;
  });
  const lookups = await timed(async () => {
    for (let i = 0; i < DOCS; i += BATCH) await coll.find({ _id: { $in: Array.from({ length: BATCH }, (_, j) => i + j) } }).toArray();
    return DOCS;
  });
  const scan = await timed(async () => {
    let n = 0;
    let last = -1;
    for (;;) {
      const page = await coll.find({ _id: { $gt: last } }).sort({ _id: 1 }).limit(BATCH).toArray();
      if (!page.length) break;
      n += page.length;
      last = page[page.length - 1]._id;
    }
    return n;
  });
  return { insert, guarded, single, lookups, scan };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'sy-ferret-'));
  const admin = new Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query('drop database if exists ferretdb_bench');
  await admin.query('create database ferretdb_bench');
  const pgFerretUrl = new URL(pgUrl);
  pgFerretUrl.pathname = '/ferretdb_bench';
  const procs: ChildProcess[] = [];
  const start = (port: number, args: string[]) => {
    const p = spawn('ferretdb', [`--listen-addr=127.0.0.1:${port}`, '--telemetry=disable', '--debug-addr=-', '--log-level=error', `--state-dir=${dir}`, ...args], { stdio: 'ignore' });
    procs.push(p);
  };
  start(27101, ['--handler=sqlite', `--sqlite-url=file:${dir}/`]);
  start(27102, ['--handler=postgresql', `--postgresql-url=${pgFerretUrl}`]);
  try {
    const results: Record<string, Awaited<ReturnType<typeof workload>>> = {};
    for (const [name, port] of [['sqlite', 27101], ['postgresql', 27102]] as const) {
      const client = await waitPort(`mongodb://127.0.0.1:${port}/`);
      results[name] = await workload(client);
      await client.close();
    }
    const s = results.sqlite, p = results.postgresql;
    console.log(`FerretDB backends, ${fmt(DOCS)} docs of ~1 KB, batches of ${BATCH} (ops/s; higher is better)\n`);
    const row = (label: string, k: keyof typeof s) => [label, fmt(s[k]), fmt(p[k]), `${fmt(s[k] / p[k], 2)}x`];
    printTable(['workload', 'sqlite', 'postgresql', 'sqlite/postgresql'], [
      row('insertMany', 'insert'),
      row('bulk replace, version guard', 'guarded'),
      row('updateOne, one at a time', 'single'),
      row('find by _id $in', 'lookups'),
      row('keyset scan by _id', 'scan'),
    ]);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await admin.query('drop database if exists ferretdb_bench with (force)').catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
