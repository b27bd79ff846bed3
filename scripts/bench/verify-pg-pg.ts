/**
 * Benchmark 4: verification of `rows` rows, PostgreSQL → PostgreSQL (PostgreSQL → FerretDB:
 * verify-pg-mongo.ts): a clean pass, then a pass over 10 injected differences (4 changed fields,
 * 3 missing rows, 3 extra rows) that must all be named while re-reading under 2% of the table,
 * side by side with the in-database baseline (each side hashed by one aggregate query, both at
 * once: count and sum of a 64-bit hash of every row's text, what a verification reading each
 * side once in the database cannot beat) and a row-by-row comparison (every source row looked up
 * in the target by key and compared field by field) measured on baselineRows.
 *   npx tsx scripts/bench/verify-pg-pg.ts [rows=1000000] [baselineRows=20000] [concurrency=4]
 */
import { openSource, openTarget } from '../../lib/connectors';
import type { Key } from '../../lib/connectors/types';
import { diffRecords } from '../../activities/verify-diff';
import type { VerifyResult } from '../../workflows/verify-api';
import { benchEnv, benchSpec, benchTable, copyPipe, sourceClient, targetClient } from './backfill-spec';
import { BENCH_TABLE } from './data-gen';
import { phaseArg, phaseMain, PhaseOutput, prebuiltBundle, printReports, runPhase, runWorkflowHere } from './backfill-harness';
import { fmt, printTable } from './table';

const [rows, baselineRows, concurrency] = [1_000_000, 20_000, 4].map((d, i) => Number(process.argv[i + 2] || d));
const COPY = 'verify_copy';
const spec = (table: string, c: string) => benchSpec({ source: table, target: 'pg', name: COPY, batchSize: 2000, concurrency: Number(c) });

/** The injected differences, by kind; ids above `rows` are extras. */
function injected(n: number) {
  const at = (f: number) => Math.max(1, Math.floor(n * f));
  return {
    different: [at(0.05), at(0.31), at(0.62), at(0.97)],
    missing: [at(0.12) + 1, at(0.5) + 1, n],
    extra: [n + 1, n + 7, n + 13],
  };
}

const phases: Record<string, (args: string[]) => Promise<PhaseOutput>> = {
  async verify([n, c]) {
    const table = benchTable(Number(n));
    const s = spec(table, c);
    const { result, seconds } = await runWorkflowHere<VerifyResult>('verifyWorkflow', [
      { migrationId: s.id, spec: s, entity: table, options: { maxReconcileRounds: 0 } },
    ]);
    const want = injected(Number(n));
    const named = new Set(result.found.diffs.map((d) => `${d.kind}:${JSON.stringify(d.key)}`));
    // The key is a bigint, so it travels as {"$numberLong": "…"}.
    const expect = (kind: string, ids: number[]) => ids.map((id) => `${kind}:${JSON.stringify([{ $numberLong: String(id) }])}`);
    const expected = [...expect('different', want.different), ...expect('missing', want.missing), ...expect('extra', want.extra)];
    return {
      rows: result.rowsCompared,
      bytes: 0,
      seconds,
      extra: {
        clean: result.clean,
        totals: result.found.totals,
        injectedNamed: expected.filter((e) => named.has(e)).length,
        fields: result.found.diffs.filter((d) => d.kind === 'different').map((d) => d.fields?.join(',')),
        rowsReread: result.rowsReread,
      },
    };
  },

  async 'in-database'([n]) {
    const table = benchTable(Number(n));
    const sides = [await sourceClient(), await targetClient()];
    const t0 = Date.now();
    const sums = await Promise.all(
      [table, COPY].map(async (t, i) => {
        const { rows: r } = await sides[i].query<{ n: string; s: string }>(
          `select count(*) as n, sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint)::text as s from ${t} t`,
        );
        return r[0];
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    await Promise.all(sides.map((c) => c.end()));
    return { rows: Number(sums[0].n), bytes: 0, seconds, extra: { equal: sums[0].s === sums[1].s } };
  },

  async baseline([n, c, table = BENCH_TABLE]) {
    const s = spec(table, c);
    const source = openSource(s, table);
    const target = openTarget(s, table);
    const t0 = Date.now();
    let compared = 0;
    let diffs = 0;
    let after: Key | undefined;
    while (compared < Number(n)) {
      const page = await source.readRange({ after, limit: 1000 });
      for (const record of page.records.slice(0, Number(n) - compared)) {
        diffs += diffRecords({ records: [record], rejected: [] }, await target.fetchByKeys([source.keyOf(record)]), (r) => target.keyOf(r)).length;
        compared++;
      }
      if (!page.lastKey) break;
      after = page.lastKey;
    }
    return { rows: compared, bytes: 0, seconds: (Date.now() - t0) / 1000, extra: { diffs } };
  },
};

async function inject(n: number): Promise<void> {
  const want = injected(n);
  const pg = await targetClient();
  await pg.query(`update ${COPY} set name = name || ' (changed)' where id = any($1)`, [want.different]);
  await pg.query(`delete from ${COPY} where id = any($1)`, [want.missing]);
  await pg.query(
    `insert into ${COPY} select id + $1, uid, name, email, balance, score, active, visits, tags, attrs, bio, created_at, updated_at from ${COPY} where id = any($2)`,
    [n, want.extra.map((id) => id - n)],
  );
  await pg.end();
}

async function main() {
  const phase = phaseArg();
  if (phase) return phaseMain(() => phases[phase.phase](phase.args));
  const env = { ...(await benchEnv(rows)), SWITCHYARD_BENCH_BUNDLE: await prebuiltBundle() };
  await copyPipe(benchTable(rows), COPY);
  const inDatabase = { ...(await runPhase(__filename, 'in-database', [String(rows)], env)), name: 'in-database hashing, both sides' };
  const clean = { ...(await runPhase(__filename, 'verify', [String(rows), String(concurrency)], env)), name: 'ours, clean' };
  await inject(rows);
  const dirty = { ...(await runPhase(__filename, 'verify', [String(rows), String(concurrency)], env)), name: 'ours, 10 differences' };
  const baseline = {
    ...(await runPhase(__filename, 'baseline', [String(baselineRows), String(concurrency), benchTable(rows)], env)),
    name: 'row-by-row baseline',
  };
  const rate = (r: { rows: number; seconds: number }) => r.rows / r.seconds;
  printReports([inDatabase, clean, dirty, baseline], {
    'ours clean / in-database hashing': rate(clean) / rate(inDatabase),
    'ours 10 differences / in-database hashing': rate(dirty) / rate(inDatabase),
    'ours clean / row-by-row': rate(clean) / rate(baseline),
  });
  console.log();
  printTable(
    ['pass', 'clean', 'missing', 'extra', 'different', 'injected named', 'rows re-read', '% of table', 'fields named'],
    [clean, dirty].map((r) => {
      const t = r.extra?.totals as VerifyResult['found']['totals'];
      return [
        r.name,
        String(r.extra?.clean),
        t.missing,
        t.extra,
        t.different,
        `${r.extra?.injectedNamed}/10`,
        fmt(r.extra?.rowsReread as number),
        fmt(((r.extra?.rowsReread as number) / rows) * 100, 2),
        (r.extra?.fields as string[]).join(' '),
      ];
    }),
  );
}

if (require.main === module) void main();
