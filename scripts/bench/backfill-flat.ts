/**
 * Benchmark 3: flat cost and memory. The same PostgreSQL → PostgreSQL backfill of a small and a
 * 10× larger table (each a fresh process): peak RSS must stay within 1.2×, and within the large
 * run the last tenth of the ranges must not be slower than 1.3× the first tenth (no OFFSET-like
 * drift, no growing state).
 *   npx tsx scripts/bench/backfill-flat.ts [small=100000] [large=1000000] [batch=2000] [concurrency=4]
 */
import { join } from 'node:path';
import { benchEnv } from './backfill-spec';
import { prebuiltBundle, printReports, runPhase } from './backfill-harness';
import { ensureBenchRows } from './data-gen';
import { fmt, printTable } from './table';

const [small, large, batch, concurrency] = [100_000, 1_000_000, 2000, 4].map((d, i) => Number(process.argv[i + 2] || d));

async function main() {
  const env: Record<string, string> = { ...(await benchEnv()), SWITCHYARD_BENCH_BUNDLE: await prebuiltBundle() };
  const script = join(__dirname, 'backfill-pg-pg.ts');
  const reports = [];
  for (const rows of [small, large]) {
    const table = `bench_rows_${rows}`;
    await ensureBenchRows(env.SWITCHYARD_CONN_BENCH, rows, table);
    reports.push({ ...(await runPhase(script, 'ours', [table, String(rows), String(batch), String(concurrency)], env)), name: `ours ${fmt(rows)} rows` });
  }
  const [s, l] = reports;
  printReports(reports, {
    'peak RSS large / small': l.peakRssMb / s.peakRssMb,
    'large: last-tenth / first-tenth range time': (l.extra?.last as number) / (l.extra?.first as number),
  });
  console.log();
  printTable(
    ['run', 'ranges', 'first tenth s/range', 'last tenth s/range'],
    reports.map((r) => [r.name, String(r.extra?.ranges), fmt(r.extra?.first as number, 2), fmt(r.extra?.last as number, 2)]),
  );
}

void main();
