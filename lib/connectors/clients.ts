import { MongoClient } from 'mongodb';
import { Pool } from 'pg';
import { ConnectionUrl, connectionUrl } from '../connections';
import { log } from '../log';
import { watchMonitor } from './mongo-monitor-watch';

/**
 * One pool per named connection per process: activities run many times a second and must not
 * pay a connection handshake each time. Timeouts are short so that a server that is down fails
 * an activity quickly with a clear error instead of hanging until the activity times out.
 */
const CONNECT_TIMEOUT_MS = Number(process.env.SWITCHYARD_CONNECT_TIMEOUT_MS || 5000);

const pgPools = new Map<string, Pool>();
const mongoClients = new Map<string, Promise<MongoClient>>();

export function pgPool(conn: Pick<ConnectionUrl, 'url'> | string): Pool {
  const c = typeof conn === 'string' ? connectionUrl(conn) : conn;
  let pool = pgPools.get(c.url);
  if (!pool) {
    pool = new Pool({
      connectionString: c.url,
      max: Number(process.env.SWITCHYARD_PG_POOL_SIZE || 10),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      application_name: 'switchyard',
    });
    // An idle client losing its server must not crash the worker; the next query reports it.
    pool.on('error', () => undefined);
    // Nor one that is checked out: pg-pool takes its idle listener off while a caller holds it,
    // and a client whose connection ends between queries (a session held across awaits, such as
    // the CDC stream's) then emits 'error' to no one, an uncaught exception. Its next query fails.
    pool.on('connect', (client) => client.on('error', () => undefined));
    pgPools.set(c.url, pool);
  }
  return pool;
}

export function mongoClient(conn: Pick<ConnectionUrl, 'name' | 'url' | 'redacted'> | string): Promise<MongoClient> {
  const c = typeof conn === 'string' ? connectionUrl(conn) : conn;
  let client = mongoClients.get(c.url);
  if (!client) {
    client = MongoClient.connect(c.url, {
      serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS,
      connectTimeoutMS: CONNECT_TIMEOUT_MS,
      appName: 'switchyard',
    });
    // A failed connect is not cached: the next attempt (a Temporal retry) dials again.
    client.catch(() => mongoClients.delete(c.url));
    mongoClients.set(c.url, client);
    const connecting = client;
    client.then(
      (mongo) => watchMonitor(mongo, MONITOR_SILENT_LIMIT_MS, () => replaceStalled(c, connecting, mongo)),
      () => undefined,
    );
  }
  return client;
}

/**
 * The driver's default heartbeat interval (10 s) plus two connect timeouts: a monitor silent for
 * longer has stopped (mongo-monitor-watch.ts).
 */
const MONITOR_SILENT_LIMIT_MS = 10_000 + 2 * CONNECT_TIMEOUT_MS;

/**
 * The next call gets a new client; operations still running on the old one fail when it closes.
 * A client no longer cached (closeAllClients) is left alone.
 */
function replaceStalled(c: Pick<ConnectionUrl, 'name' | 'url' | 'redacted'>, cached: Promise<MongoClient>, mongo: MongoClient): void {
  if (mongoClients.get(c.url) !== cached) return;
  mongoClients.delete(c.url);
  log.warn(
    { connection: c.name, address: c.redacted, silentForMs: MONITOR_SILENT_LIMIT_MS },
    'MongoDB client: its server monitor stopped; replaced by a new client',
  );
  void mongo.close().catch(() => undefined);
}

const engineCaches: Array<() => Promise<void>> = [];

/** An engine that keeps its own clients (in its folder) registers how to close them, so closeAllClients closes every engine's. */
export function onCloseAllClients(close: () => Promise<void>): void {
  engineCaches.push(close);
}

export async function closeAllClients(): Promise<void> {
  const pools = [...pgPools.values()];
  const mongos = [...mongoClients.values()];
  pgPools.clear();
  mongoClients.clear();
  await Promise.allSettled([...pools.map((p) => p.end()), ...mongos.map(async (m) => (await m).close()), ...engineCaches.map((close) => close())]);
}
