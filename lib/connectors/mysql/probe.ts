import type { RowDataPacket } from 'mysql2';
import type { ResolvedConnection } from '../../connections';
import type { ProbeFacts } from '../engine';
import { errorOf, uniqueProbeName } from '../probe-steps';
import { mysqlPool } from './pool';
import { quoteId } from './sql';

/**
 * Reading and writing are proven where the migration reads and writes: the URL's database. A
 * table is created, written and dropped there (DDL commits on its own, so nothing can be rolled
 * back instead), so a read-only replica or a missing CREATE grant shows before a backfill starts.
 */
export async function probeMysql(conn: ResolvedConnection): Promise<ProbeFacts> {
  const pool = mysqlPool(conn);
  const [[row]] = await pool.query<RowDataPacket[]>('select version() as version, current_user() as user, database() as db');
  const db = row.db as string | null;
  const noDatabase = 'the connection URL names no database (mysql://user:password@host:port/database)';
  const readError = db ? await errorOf(() => pool.query('select 1 from information_schema.tables where table_schema = database() limit 1')) : noDatabase;
  return {
    product: /mariadb/i.test(row.version) ? 'MariaDB' : 'MySQL',
    serverVersion: String(row.version),
    user: String(row.user),
    ...(db ? { database: db } : {}),
    readError,
    writeError: db ? await createTableError(conn) : noDatabase,
  };
}

async function createTableError(conn: ResolvedConnection): Promise<string | undefined> {
  const pool = mysqlPool(conn);
  const table = quoteId(uniqueProbeName('switchyard_preflight_'));
  try {
    return await errorOf(async () => {
      await pool.query(`create table ${table} (x int primary key)`);
      await pool.query(`insert into ${table} values (1)`);
    });
  } finally {
    await pool.query(`drop table if exists ${table}`).catch(() => undefined);
  }
}
