/**
 * Benchmark 2: PostgreSQL → PostgreSQL backfill, side by side with the pipe every DBA reaches
 * for: `COPY (SELECT …) TO STDOUT | COPY … FROM STDIN` (two psql processes).
 *   npx tsx scripts/bench/backfill-pg-pg.ts [rows=1000000] [batch=2000] [concurrency=4]
 * Its "ours" phase also serves benchmark 3 (backfill-flat.ts): peak RSS and per-range times.
 */
import type { BackfillResult } from '../../workflows/backfill-api';
import { benchEnv, benchSpec, benchTable, copyPipe, freshTargetTable, targetClient } from './backfill-spec';
import { firstLastTenth, phaseArg, phaseMain, PhaseOutput, prebuiltBundle, printReports, rangeSeconds, runPhase, runWorkflowHere } from './backfill-harness';

const [rows, batch, concurrency] = [1_000_000, 2000, 4].map((d, i) => Number(process.argv[i + 2] || d));

const phases: Record<string, (args: string[]) => Promise<PhaseOutput>> = {
  /** args: source table, rows, batch, concurrency */
  async ours([table, n, b, c]) {
    await freshTargetTable('ours_pg');
    const spec = benchSpec({ source: table, target: 'pg', name: 'ours_pg', batchSize: Number(b), concurrency: Number(c) });
    const { result, seconds, workflowId, client } = await runWorkflowHere<BackfillResult>('backfillWorkflow', [{ migrationId: spec.id, spec, entity: table }]);
    if (result.rowsCopied !== Number(n)) throw new Error(`copied ${result.rowsCopied} of ${n}`);
    const tenths = firstLastTenth(await rangeSeconds(client, workflowId));
    return { rows: result.rowsCopied, bytes: result.bytesCopied, seconds, extra: { ranges: result.ranges, ...tenths } };
  },

  async pipe([table, n]) {
    const t0 = Date.now();
    await copyPipe(table, 'pipe_pg');
    const seconds = (Date.now() - t0) / 1000;
    const pg = await targetClient();
    const { rows: r } = await pg.query<{ n: string; bytes: string }>('select count(*) as n, sum(pg_column_size(p.*)) as bytes from pipe_pg p');
    await pg.end();
    if (Number(r[0].n) !== Number(n)) throw new Error(`piped ${r[0].n} of ${n}`);
    return { rows: Number(r[0].n), bytes: Number(r[0].bytes), seconds };
  },
};

async function main() {
  const phase = phaseArg();
  if (phase) return phaseMain(() => phases[phase.phase](phase.args));
  const env = { ...(await benchEnv(rows)), SWITCHYARD_BENCH_BUNDLE: await prebuiltBundle() };
  const ours = await runPhase(__filename, 'ours', [benchTable(rows), String(rows), String(batch), String(concurrency)], env);
  const pipe = await runPhase(__filename, 'pipe', [benchTable(rows), String(rows)], env);
  printReports([ours, pipe], { 'ours / COPY pipe': ours.rows / ours.seconds / (pipe.rows / pipe.seconds) });
}

if (require.main === module) void main();
