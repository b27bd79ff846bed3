import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { PoolClient } from 'pg';
import { ResolvedConnection } from '../connections';
import { redactSecrets } from '../redact';
import { quoteIdent } from '../sql/identifiers';
import { mongoClient, pgPool } from './clients';

/** What preflight learns about one connection. Plain data: it goes into workflow history. */
export interface ConnectionReport {
  name: string;
  kind: ResolvedConnection['kind'];
  /** The URL with its password replaced; safe for history and logs. */
  address: string;
  ok: boolean;
  serverVersion?: string;
  product?: string;
  user?: string;
  /** PostgreSQL: the database; MongoDB: the database probed (the URL's, else `switchyard`). */
  database?: string;
  /** PostgreSQL: the current schema, where canRead and canWrite were checked. */
  schema?: string;
  /** PostgreSQL: USAGE on the current schema. MongoDB: a find on the database succeeds. */
  canRead?: boolean;
  /**
   * PostgreSQL: a table can be created in the current schema (as the quarantine table and the
   * control store need). MongoDB: a collection can be created and written in the database.
   */
  canWrite?: boolean;
  latencyMs?: number;
  error?: string;
}

type Facts = Omit<ConnectionReport, 'name' | 'kind' | 'address' | 'ok' | 'latencyMs'> & { readError?: string; writeError?: string };

export interface ProbeOptions {
  /** MongoDB only: where reading and writing are proven; default the URL's database. */
  database?: string;
  /**
   * PostgreSQL: the connection holds the control store (schema switchyard), where the worker
   * must create and write tables; `alsoData`: it is a source or target too, so writing in its
   * current schema is proven as well. A worker role that owns only the switchyard schema
   * (switchyard control-roles) may not create anything in public.
   */
  controlStore?: { alsoData: boolean };
}

export async function probeConnection(conn: ResolvedConnection, options: ProbeOptions = {}): Promise<ConnectionReport> {
  const base = { name: conn.name, kind: conn.kind, address: conn.redacted };
  const started = Date.now();
  try {
    const { readError, writeError, ...facts } =
      conn.kind === 'postgres' ? await probePostgres(conn, options.controlStore) : await probeMongo(conn, options.database);
    const problems = [readError && `cannot read: ${readError}`, writeError && `cannot write: ${writeError}`].filter(Boolean);
    return {
      ...base,
      ok: problems.length === 0,
      ...facts,
      canRead: !readError,
      canWrite: !writeError,
      ...(problems.length ? { error: redactSecrets(problems.join('; ')) } : {}),
      latencyMs: Date.now() - started,
    };
  } catch (err) {
    return { ...base, ok: false, error: redactSecrets(describe(err)), latencyMs: Date.now() - started };
  }
}

const NO_SCHEMA = 'no existing schema on the search_path';

async function probePostgres(conn: ResolvedConnection, controlStore: ProbeOptions['controlStore']): Promise<Facts> {
  const client = await pgPool(conn).connect();
  try {
    const {
      rows: [row],
    } = await client.query<{ version: string; user: string; database: string; schema: string | null; usage: boolean | null }>(
      `select current_setting('server_version') as version, current_user as "user", current_database() as database,
              current_schema() as schema, has_schema_privilege(current_schema(), 'USAGE') as usage`,
    );
    const readError = !row.schema ? NO_SCHEMA : row.usage ? undefined : `no USAGE privilege on schema ${row.schema}`;
    const dataWriteError = !controlStore || controlStore.alsoData ? (row.schema ? await createTableError(client, row.schema) : NO_SCHEMA) : undefined;
    const controlError = controlStore && (await controlStoreError(client));
    const writeError = [dataWriteError, controlError && `control store: ${controlError}`].filter(Boolean).join('; ') || undefined;
    return {
      product: 'PostgreSQL',
      serverVersion: row.version,
      user: row.user,
      database: row.database,
      ...(row.schema ? { schema: row.schema } : {}),
      readError,
      writeError,
    };
  } finally {
    client.release();
  }
}

/**
 * Writing is proven by doing it: a real table in the schema, created and filled inside a
 * transaction that is rolled back. Privileges alone would not show a read-only replica or a
 * full disk, and a TEMP table needs only the TEMP privilege, not the right to create in a schema.
 */
async function createTableError(client: PoolClient, schema: string): Promise<string | undefined> {
  const table = `${quoteIdent(schema)}.${quoteIdent(uniqueProbeName('switchyard_preflight_'))}`;
  try {
    return await errorOf(async () => {
      await client.query('begin');
      await client.query("set local lock_timeout = '5s'");
      await client.query(`create table ${table} (x int)`);
      await client.query(`insert into ${table} values (1)`);
    });
  } finally {
    await client.query('rollback').catch(() => undefined);
  }
}

/**
 * The worker creates the control store's tables in schema switchyard, or the schema itself when
 * it is missing: proven by doing it, rolled back.
 */
async function controlStoreError(client: PoolClient): Promise<string | undefined> {
  const { rows } = await client.query<{ exists: boolean }>(`select exists (select from pg_namespace where nspname = 'switchyard') as exists`);
  if (rows[0].exists) return createTableError(client, 'switchyard');
  try {
    return await errorOf(async () => {
      await client.query('begin');
      await client.query('create schema switchyard');
    });
  } finally {
    await client.query('rollback').catch(() => undefined);
  }
}

async function probeMongo(conn: ResolvedConnection, database: string | undefined): Promise<Facts> {
  const client = await mongoClient(conn);
  // A grant can cover one database only, so the write is proven where the migration writes.
  const dbName = database ?? (client.options.dbName && client.options.dbName !== 'test' ? client.options.dbName : 'switchyard');
  const db = client.db(dbName);
  const info = await db.admin().command({ buildInfo: 1 });
  // A name of its own per probe: concurrent probes never drop each other's collection.
  const probe = db.collection<{ _id: string }>(uniqueProbeName('_switchyard_preflight_'));
  return {
    product: typeof info.ferretdbVersion === 'string' ? `FerretDB ${info.ferretdbVersion}` : 'MongoDB',
    serverVersion: String(info.version),
    database: dbName,
    readError: await errorOf(() => probe.findOne({})),
    writeError: await mongoWriteError(db, probe),
  };
}

/** Writing is proven by creating a collection and writing into it; it is dropped again, so the user's server keeps nothing of preflight. */
async function mongoWriteError(db: Db, probe: Collection<{ _id: string }>): Promise<string | undefined> {
  try {
    return await errorOf(async () => {
      await db.createCollection(probe.collectionName);
      await probe.insertOne({ _id: 'probe' });
    });
  } finally {
    // A failed drop must not fail a probe that proved writing; with no collection, nothing to drop.
    await probe.drop().catch(() => undefined);
  }
}

function uniqueProbeName(prefix: string): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

async function errorOf(op: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await op();
    return undefined;
  } catch (err) {
    return describe(err);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) hides the useful part.
    const inner = (err as { errors?: unknown[] }).errors;
    if (!err.message && Array.isArray(inner) && inner.length) return describe(inner[0]);
    return err.message || err.name;
  }
  return String(err);
}
