import { createPool, Pool } from 'mysql2/promise';
import type { ResolvedConnection } from '../../connections';
import { onCloseAllClients } from '../clients';

const CONNECT_TIMEOUT_MS = Number(process.env.SWITCHYARD_CONNECT_TIMEOUT_MS || 5000);

/**
 * Text formats and checks depend on session settings, and a user's server may default to any of
 * them; every pooled session pins the ones the codecs read and write: timestamps in UTC, utf8mb4,
 * and strict mode so that a value that does not fit fails instead of being cut.
 */
const PIN = `set session time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'`;

const pools = new Map<string, Pool>();

/** One pool per URL per process, like the PostgreSQL pools (lib/connectors/clients.ts). */
export function mysqlPool(conn: ResolvedConnection): Pool {
  let pool = pools.get(conn.url);
  if (!pool) {
    pool = createPool({
      uri: conn.url,
      connectionLimit: Number(process.env.SWITCHYARD_MYSQL_POOL_SIZE || 10),
      connectTimeout: CONNECT_TIMEOUT_MS,
      charset: 'utf8mb4_general_ci',
      // Exact forms: datetime(6) keeps its microseconds, bigint and decimal every digit.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      multipleStatements: false,
    });
    pool.pool.on('connection', (c) => c.query(PIN));
    pools.set(conn.url, pool);
  }
  return pool;
}

onCloseAllClients(closeMysqlPools);

async function closeMysqlPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.allSettled(all.map((p) => p.end()));
}
