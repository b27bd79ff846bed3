/**
 * Benchmark 1: PostgreSQL → MongoDB backfill of ~1 KB mixed-type rows, side by side with
 *  - ceiling: insertMany of the same documents, already mapped and encoded in memory, same batch
 *    size and the same number of parallel writers — the most the target can take;
 *  - naive: the seed-article copier, OFFSET pagination and one insertOne per row, timed on
 *    naiveRows: one OFFSET page of 1000 rows per window, windows spread evenly over the table, so
 *    the deep pages that make OFFSET slow weigh as much as they would in a full run.
 *   npx tsx scripts/bench/backfill-pg-mongo.ts [rows=1000000] [naiveRows=20000] [batch=2000] [concurrency=4]
 */
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { openSource } from '../../lib/connectors';
import { encodeDocument } from '../../lib/connectors/mongo/codec';
import type { Key } from '../../lib/connectors/types';
import type { BackfillResult } from '../../workflows/backfill-api';
import { benchEnv, benchSpec, benchTable, BENCH_CONN } from './backfill-spec';
import { phaseArg, phaseMain, PhaseOutput, PhaseReport, prebuiltBundle, printReports, runPhase, runWorkflowHere } from './backfill-harness';

const [rows, naiveRows, batch, concurrency] = [1_000_000, 20_000, 2000, 4].map((d, i) => Number(process.argv[i + 2] || d));
const MONGO_DB = 'switchyard_bench';
const NAIVE_PAGE = 1000;

/**
 * OFFSETs of the naive copier's timed pages: one page at the middle of each of n / NAIVE_PAGE
 * equal slices of the table. A full run pays an OFFSET scan of every earlier row per page, on
 * average half the table, and so do these pages on average; the first pages alone would be its
 * best case.
 */
function naiveWindows(n: number, tableRows: number): number[] {
  const windows = Math.max(1, Math.ceil(n / NAIVE_PAGE));
  return Array.from({ length: windows }, (_, i) => Math.floor(((i + 0.5) * tableRows) / windows / NAIVE_PAGE) * NAIVE_PAGE);
}

async function freshCollection(name: string) {
  const client = await MongoClient.connect(process.env.SWITCHYARD_CONN_MONGO as string);
  const coll = client.db(MONGO_DB).collection(name);
  await coll.drop().catch(() => undefined);
  return { client, coll };
}

const phases: Record<string, (args: string[]) => Promise<PhaseOutput>> = {
  async ours([n, b, c]) {
    const table = benchTable(Number(n));
    const spec = benchSpec({ source: table, target: 'mongo', name: 'ours', batchSize: Number(b), concurrency: Number(c) });
    (await freshCollection('ours')).client.close();
    const { result, seconds } = await runWorkflowHere<BackfillResult>('backfillWorkflow', [{ migrationId: spec.id, spec, entity: table }]);
    if (result.rowsCopied !== Number(n)) throw new Error(`copied ${result.rowsCopied} of ${n}`);
    return { rows: result.rowsCopied, bytes: result.bytesCopied, seconds, extra: { ranges: result.ranges } };
  },

  async ceiling([n, b, c]) {
    const table = benchTable(Number(n));
    const spec = benchSpec({ source: table, target: 'mongo', name: 'ceiling', batchSize: Number(b), concurrency: Number(c) });
    const source = openSource(spec, table);
    // Untimed: read and encode every document exactly as the backfill would write it.
    const docs: Record<string, unknown>[] = [];
    let bytes = 0;
    let after: Key | undefined;
    for (;;) {
      const page = await source.readRange({ after, limit: Number(b) });
      for (const r of page.records) docs.push(encodeDocument(r, { dialect: 'ferretdb', microseconds: 'keep' }));
      bytes += page.bytes;
      if (!page.lastKey) break;
      after = page.lastKey;
    }
    if (docs.length !== Number(n)) throw new Error(`read ${docs.length} of ${n}`);
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < docs.length; i += Number(b)) batches.push(docs.slice(i, i + Number(b)));
    const { client, coll } = await freshCollection('ceiling');
    const t0 = Date.now();
    const writer = async () => {
      for (let next = batches.shift(); next; next = batches.shift()) await coll.insertMany(next, { ordered: false });
    };
    await Promise.all(Array.from({ length: Number(c) }, writer));
    const seconds = (Date.now() - t0) / 1000;
    await client.close();
    return { rows: docs.length, bytes, seconds };
  },

  async naive([n, table, tableRows]) {
    const pg = new Client({ connectionString: process.env[`SWITCHYARD_CONN_${BENCH_CONN}`] });
    await pg.connect();
    const { client, coll } = await freshCollection('naive');
    const offsets = naiveWindows(Number(n), Number(tableRows));
    const t0 = Date.now();
    let copied = 0;
    let bytes = 0;
    for (const offset of offsets) {
      const { rows: page } = await pg.query(`select * from ${table} order by id limit ${NAIVE_PAGE} offset ${offset}`);
      for (const row of page) {
        await coll.insertOne({ _id: row.id, ...row });
        bytes += JSON.stringify(row).length;
        copied++;
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    await pg.end();
    await client.close();
    return { rows: copied, bytes, seconds, extra: { windows: offsets.length, offsets: `${offsets[0]}…${offsets[offsets.length - 1]}` } };
  },
};

async function main() {
  const phase = phaseArg();
  if (phase) return phaseMain(() => phases[phase.phase](phase.args));
  const env = { ...(await benchEnv(rows)), SWITCHYARD_BENCH_BUNDLE: await prebuiltBundle() };
  const script = __filename;
  const reports: PhaseReport[] = [];
  reports.push(await runPhase(script, 'ours', [String(rows), String(batch), String(concurrency)], env));
  reports.push(await runPhase(script, 'ceiling', [String(rows), String(batch), String(concurrency)], { ...env, NODE_OPTIONS: '--max-old-space-size=16000' }));
  reports.push(await runPhase(script, 'naive', [String(naiveRows), benchTable(rows), String(rows)], env));
  const [ours, ceiling, naive] = reports.map((r) => r.rows / r.seconds);
  printReports(reports, { 'ours / ceiling': ours / ceiling, 'ours / naive': ours / naive });
  const { windows, offsets } = reports[2].extra ?? {};
  console.log(`\nnaive timed on ${windows} OFFSET pages of ${NAIVE_PAGE} rows spread over the table (OFFSET ${offsets})`);
}

if (require.main === module) void main();
