/** The spec and connections every backfill/verify benchmark uses (names only; URLs in the environment). */
import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { MigrationSpec, parseSpec } from '../../lib/spec/schema';
import { BENCH_COLUMNS, BENCH_TABLE, ensureBenchRows, ensureDatabase } from './data-gen';

export const BENCH_CONN = 'BENCH';
export const BENCH_TARGET_CONN = 'BENCHTGT';
const SOURCE_DB = 'switchyard_bench';
const TARGET_DB = 'switchyard_bench_target';

/** The source table with `rows` rows: bench_rows for the 1M data set, bench_rows_<rows> otherwise. */
export function benchTable(rows: number): string {
  return rows === 1_000_000 ? BENCH_TABLE : `${BENCH_TABLE}_${rows}`;
}

/**
 * Environment for phase processes: the source database (with benchTable(rows) when rows is
 * given) and the PostgreSQL target database. Also applied to this process.
 */
export async function benchEnv(rows?: number): Promise<Record<string, string>> {
  const admin = process.env.SWITCHYARD_CONN_PG as string;
  const source = await ensureDatabase(admin, SOURCE_DB);
  if (rows !== undefined) await ensureBenchRows(source, rows, benchTable(rows));
  const env = {
    [`SWITCHYARD_CONN_${BENCH_CONN}`]: source,
    [`SWITCHYARD_CONN_${BENCH_TARGET_CONN}`]: await ensureDatabase(admin, TARGET_DB),
  };
  Object.assign(process.env, env);
  return env;
}

/** An empty PostgreSQL target table shaped like the source. */
export async function freshTargetTable(table: string): Promise<void> {
  const pg = new Client({ connectionString: process.env[`SWITCHYARD_CONN_${BENCH_TARGET_CONN}`] });
  await pg.connect();
  await pg.query(`drop table if exists ${table}`);
  await pg.query(`create table ${table} (${BENCH_COLUMNS})`);
  await pg.end();
}

export interface BenchSpecOptions {
  /** Source table (default bench_rows); also the entity name. */
  source?: string;
  target: 'mongo' | 'pg';
  /** Target collection (mongo) or table (pg). */
  name: string;
  batchSize: number;
  concurrency: number;
}

export function benchSpec(o: BenchSpecOptions): MigrationSpec {
  const table = o.source ?? BENCH_TABLE;
  const parsed = parseSpec({
    id: `bench-${o.name}`.replace(/_/g, '-'),
    source: { connection: BENCH_CONN },
    target: o.target === 'mongo' ? { connection: 'MONGO', database: SOURCE_DB, dialect: 'ferretdb' } : { connection: BENCH_TARGET_CONN },
    control: { connection: BENCH_CONN },
    entities: [
      {
        name: table,
        from: { table, key: ['id'], version: 'updated_at' },
        to: o.target === 'mongo' ? { collection: o.name } : { table: o.name, key: ['id'] },
        ...(o.target === 'mongo' ? { fields: { id: '_id' } } : {}),
      },
    ],
    backfill: { batchSize: o.batchSize, concurrency: o.concurrency },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.spec;
}

/**
 * `COPY (SELECT …) TO STDOUT | COPY … FROM STDIN` between the benchmark databases with two psql
 * processes: the PostgreSQL → PostgreSQL baseline, and the quickest way to make an exact copy.
 */
export async function copyPipe(sourceTable: string, targetTable: string): Promise<void> {
  await freshTargetTable(targetTable);
  const script = `psql "$SRC" -qAt -c "\\copy (select * from ${sourceTable} order by id) to stdout" | psql "$DST" -qAt -c "\\copy ${targetTable} from stdin"`;
  const code = await new Promise<number | null>((resolve) =>
    spawn('bash', ['-o', 'pipefail', '-c', script], {
      env: { ...process.env, SRC: process.env[`SWITCHYARD_CONN_${BENCH_CONN}`], DST: process.env[`SWITCHYARD_CONN_${BENCH_TARGET_CONN}`] },
      stdio: 'inherit',
    }).on('exit', resolve),
  );
  if (code !== 0) throw new Error(`COPY pipe ${sourceTable} → ${targetTable} exited with ${code}`);
}

/** A client on the PostgreSQL target database. */
export function targetClient(): Promise<Client> {
  return clientOf(BENCH_TARGET_CONN);
}

/** A client on the PostgreSQL source database. */
export function sourceClient(): Promise<Client> {
  return clientOf(BENCH_CONN);
}

async function clientOf(connection: string): Promise<Client> {
  const pg = new Client({ connectionString: process.env[`SWITCHYARD_CONN_${connection}`] });
  await pg.connect();
  return pg;
}
