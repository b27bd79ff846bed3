import { Db, MongoClient } from 'mongodb';
import { Client } from 'pg';
import { MigrationSpec, parseSpec } from '../../lib/spec/schema';
import { databaseUrl, ensureDatabase } from '../../scripts/bench/data-gen';
import { RunningWorker, startTestWorker, testClient, uniqueName } from '../support/temporal';

/**
 * One PostgreSQL database and one MongoDB database per test file, reached through connection
 * names registered in this process's environment (the in-process worker resolves them there).
 */
export interface DataFixture {
  /** Connection names: the source PostgreSQL database and the MongoDB server. */
  pgConnection: string;
  pgUrl: string;
  pg: Client;
  mongoDatabase: string;
  mongo: Db;
  /** Environment a separate worker process needs to resolve the connections. */
  env: Record<string, string>;
  close: () => Promise<void>;
}

export async function createDataFixture(prefix: string): Promise<DataFixture> {
  const name = uniqueName(prefix).toLowerCase();
  const admin = process.env.SWITCHYARD_CONN_PG as string;
  const pgUrl = await ensureDatabase(admin, name);
  const pgConnection = name.toUpperCase();
  const env = { [`SWITCHYARD_CONN_${pgConnection}`]: pgUrl };
  Object.assign(process.env, env);
  const pg = new Client({ connectionString: pgUrl });
  await pg.connect();
  const mongoClient = await MongoClient.connect(process.env.SWITCHYARD_CONN_MONGO as string);
  const mongo = mongoClient.db(name);
  return {
    pgConnection,
    pgUrl,
    pg,
    mongoDatabase: name,
    mongo,
    env,
    close: async () => {
      await pg.end();
      await mongo.dropDatabase().catch(() => undefined);
      await mongoClient.close();
      const a = new Client({ connectionString: databaseUrl(admin, 'postgres') });
      await a.connect();
      await a.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
      await a.end();
    },
  };
}

/** items(id, name, qty, note, version): the small table the integration tests copy. */
export async function createItems(pg: Client, table: string, rows: number, noteBytes = 40): Promise<void> {
  await pg.query(`create table ${table} (id integer primary key, name text not null, qty integer not null, note text, version bigint not null)`);
  await pg.query(`insert into ${table} select g, 'item ' || g, g % 97, repeat('n', $2::int), 1 from generate_series(1, $1::int) g`, [rows, noteBytes]);
}

/**
 * A PostgreSQL table → MongoDB collection spec, id becoming _id, version guarding writes; or, given
 * `pgTable`, → that PostgreSQL table in the same database, columns unchanged.
 */
export function itemsSpec(f: DataFixture, table: string, backfill: Partial<MigrationSpec['backfill']> = {}, pgTable?: string): MigrationSpec {
  const parsed = parseSpec({
    id: table.replace(/_/g, '-'),
    source: { connection: f.pgConnection },
    target: pgTable ? { connection: f.pgConnection } : { connection: 'MONGO', database: f.mongoDatabase, dialect: 'ferretdb' },
    control: { connection: f.pgConnection },
    entities: [
      {
        name: table,
        from: { table, key: ['id'], version: 'version' },
        ...(pgTable ? { to: { table: pgTable } } : { to: { collection: table }, fields: { id: '_id' } }),
      },
    ],
    backfill: { batchSize: 50, concurrency: 2, ...backfill },
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.spec;
}

/** The target collection as [id, version, qty] triples in key order, for exact comparisons. */
export async function targetItems(f: DataFixture, collection: string): Promise<[number, number, number][]> {
  const docs = await f.mongo.collection(collection).find({}).sort({ _id: 1 }).toArray();
  return docs.map((d) => [Number(d._id), Number(d.version), Number(d.qty)]);
}

export async function sourceItems(f: DataFixture, table: string): Promise<[number, number, number][]> {
  const { rows } = await f.pg.query(`select id, version, qty from ${table} order by id`);
  return rows.map((r) => [Number(r.id), Number(r.version), Number(r.qty)]);
}

export interface DataStack {
  f: DataFixture;
  worker: RunningWorker;
  temporal: Awaited<ReturnType<typeof testClient>>;
}

/** Registers beforeAll/afterAll for a test file: its own databases, an in-process worker, a client. */
export function useDataStack(prefix: string): DataStack {
  const stack = {} as DataStack;
  beforeAll(async () => {
    stack.f = await createDataFixture(prefix);
    stack.worker = await startTestWorker();
    stack.temporal = await testClient();
  });
  afterAll(async () => {
    await stack.worker?.stop();
    await stack.temporal?.close();
    await stack.f?.close();
  });
  return stack;
}
