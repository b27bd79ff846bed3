import { ResolvedConnection } from '../connections';
import { redactSecrets } from '../redact';
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
  database?: string;
  canRead?: boolean;
  canWrite?: boolean;
  latencyMs?: number;
  error?: string;
}

/** `database` (MongoDB only): where reading and writing are proven; default the URL's database. */
export async function probeConnection(conn: ResolvedConnection, database?: string): Promise<ConnectionReport> {
  const base = { name: conn.name, kind: conn.kind, address: conn.redacted };
  const started = Date.now();
  try {
    const facts = conn.kind === 'postgres' ? await probePostgres(conn) : await probeMongo(conn, database);
    return { ...base, ok: facts.canRead && facts.canWrite, ...facts, latencyMs: Date.now() - started };
  } catch (err) {
    return { ...base, ok: false, error: redactSecrets(describe(err)), latencyMs: Date.now() - started };
  }
}

async function probePostgres(conn: ResolvedConnection) {
  const client = await pgPool(conn).connect();
  try {
    const { rows } = await client.query<{ v: string; u: string; d: string }>(
      'select current_setting($1) as v, current_user as u, current_database() as d',
      ['server_version'],
    );
    // Writing is proven by doing it, inside a transaction that is rolled back: privileges
    // alone do not show read-only replicas or a full disk.
    let canWrite = true;
    let writeError: string | undefined;
    try {
      await client.query('begin');
      await client.query('create temp table switchyard_preflight_probe (x int) on commit drop');
      await client.query('insert into switchyard_preflight_probe values (1)');
    } catch (err) {
      canWrite = false;
      writeError = describe(err);
    } finally {
      await client.query('rollback').catch(() => undefined);
    }
    return {
      product: 'PostgreSQL',
      serverVersion: rows[0].v,
      user: rows[0].u,
      database: rows[0].d,
      canRead: true,
      canWrite,
      ...(writeError ? { error: `cannot write: ${redactSecrets(writeError)}` } : {}),
    };
  } finally {
    client.release();
  }
}

async function probeMongo(conn: ResolvedConnection, database: string | undefined) {
  const client = await mongoClient(conn);
  // A grant can cover one database only, so the write is proven where the migration writes.
  const dbName = database ?? (client.options.dbName && client.options.dbName !== 'test' ? client.options.dbName : 'switchyard');
  const db = client.db(dbName);
  const info = await db.admin().command({ buildInfo: 1 });
  const coll = db.collection<{ _id: string; at: Date }>('_switchyard_preflight');
  const probeId = `probe-${process.pid}-${Date.now()}`;
  let canWrite = true;
  let writeError: string | undefined;
  try {
    await coll.insertOne({ _id: probeId, at: new Date() });
    await coll.deleteOne({ _id: probeId });
  } catch (err) {
    canWrite = false;
    writeError = describe(err);
  }
  await coll.findOne({});
  return {
    product: typeof info.ferretdbVersion === 'string' ? `FerretDB ${info.ferretdbVersion}` : 'MongoDB',
    serverVersion: String(info.version),
    database: dbName,
    canRead: true,
    canWrite,
    ...(writeError ? { error: `cannot write: ${redactSecrets(writeError)}` } : {}),
  };
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
