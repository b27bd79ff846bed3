/**
 * Benchmark 4b: verification of `rows` rows, PostgreSQL → FerretDB (the target collection
 * backfilled by switchyard first, untimed, and reused while it holds `rows` documents): a clean
 * pass, side by side with a raw streaming `find({})` of the same collection (every document
 * through the driver, nothing else: what any one-pass verification of that side must at least pay).
 *   npx tsx scripts/bench/verify-pg-mongo.ts [rows=1000000] [concurrency=4]
 */
import { MongoClient } from 'mongodb';
import type { BackfillResult } from '../../workflows/backfill-api';
import type { VerifyResult } from '../../workflows/verify-api';
import { benchEnv, benchSpec, benchTable } from './backfill-spec';
import { phaseArg, phaseMain, PhaseOutput, prebuiltBundle, printReports, runPhase, runWorkflowHere } from './backfill-harness';

const [rows, concurrency] = [1_000_000, 4].map((d, i) => Number(process.argv[i + 2] || d));
const MONGO_DB = 'switchyard_bench';
const COPY = 'verify_copy';
const spec = (table: string, c: string) => benchSpec({ source: table, target: 'mongo', name: COPY, batchSize: 2000, concurrency: Number(c) });

async function collection() {
  const client = await MongoClient.connect(process.env.SWITCHYARD_CONN_MONGO as string);
  return { client, coll: client.db(MONGO_DB).collection(COPY) };
}

const phases: Record<string, (args: string[]) => Promise<PhaseOutput>> = {
  async copy([n, c]) {
    const table = benchTable(Number(n));
    const { client, coll } = await collection();
    const held = await coll.countDocuments();
    if (held !== Number(n)) await coll.drop().catch(() => undefined);
    await client.close();
    if (held === Number(n)) return { rows: held, bytes: 0, seconds: 0, extra: { reused: true } };
    const s = spec(table, c);
    const { result, seconds } = await runWorkflowHere<BackfillResult>('backfillWorkflow', [{ migrationId: s.id, spec: s, entity: table }]);
    return { rows: result.rowsCopied, bytes: result.bytesCopied, seconds };
  },

  async verify([n, c]) {
    const table = benchTable(Number(n));
    const s = spec(table, c);
    const { result, seconds } = await runWorkflowHere<VerifyResult>('verifyWorkflow', [
      { migrationId: s.id, spec: s, entity: table, options: { maxReconcileRounds: 0 } },
    ]);
    return { rows: result.rowsCompared, bytes: 0, seconds, extra: { clean: result.clean, totals: result.found.totals, rowsReread: result.rowsReread } };
  },

  async find() {
    const { client, coll } = await collection();
    const t0 = Date.now();
    let n = 0;
    for await (const doc of coll.find({}, { useBigInt64: true, promoteBuffers: false })) if (doc) n++;
    const seconds = (Date.now() - t0) / 1000;
    await client.close();
    return { rows: n, bytes: 0, seconds };
  },
};

async function main() {
  const phase = phaseArg();
  if (phase) return phaseMain(() => phases[phase.phase](phase.args));
  const env = { ...(await benchEnv(rows)), SWITCHYARD_BENCH_BUNDLE: await prebuiltBundle() };
  await runPhase(__filename, 'copy', [String(rows), String(concurrency)], env);
  const find = { ...(await runPhase(__filename, 'find', [], env)), name: 'raw find({}) of the target' };
  const ours = { ...(await runPhase(__filename, 'verify', [String(rows), String(concurrency)], env)), name: 'ours, clean' };
  if (!ours.extra?.clean) throw new Error(`the clean pass found differences: ${JSON.stringify(ours.extra)}`);
  printReports([find, ours], { 'ours clean / raw find({})': ours.rows / ours.seconds / (find.rows / find.seconds) });
}

if (require.main === module) void main();
