import type { RowDataPacket } from 'mysql2';
import type { ResolvedConnection } from '../../connections';
import type { MigrationSpec } from '../../spec/schema';
import { mysqlPool } from './pool';

/**
 * The copy rate assumed when the spec sets no limit, to estimate how long the backfill keeps the
 * stream from reading: deliberately low (a few times under what a 2-core machine copies), so the
 * estimate errs towards asking for more retention.
 */
export const ASSUMED_ROWS_PER_SECOND = 5_000;

/** What a binlog CDC source needs of the server, one blocker per missing piece, each saying how to fix it. */
export async function binlogBlockers(conn: ResolvedConnection, spec: MigrationSpec): Promise<string[]> {
  const pool = mysqlPool(conn);
  const [[v]] = await pool.query<RowDataPacket[]>(
    'select @@global.log_bin as log_bin, @@global.binlog_format as format, @@global.binlog_row_image as image, @@global.server_id as server_id',
  );
  const where = `source ${conn.name}`;
  const out: string[] = [];
  if (Number(v.log_bin) !== 1) out.push(`${where}: the binary log is off; sync "cdc" needs log_bin (start the server with --log-bin and a server_id)`);
  if (v.format !== 'ROW')
    out.push(`${where}: binlog_format is ${v.format}; sync "cdc" needs ROW (SET GLOBAL binlog_format = 'ROW', and in the server's configuration)`);
  if (v.image !== 'FULL') out.push(`${where}: binlog_row_image is ${v.image}; sync "cdc" needs FULL, so that every event carries whole rows`);
  const metadata = await pool.query<RowDataPacket[]>('select @@global.binlog_row_metadata as m').then(
    ([[r]]) => String(r.m),
    () => undefined,
  );
  // MySQL before 8.0.1 and MariaDB before 10.5 have no such setting, nor the column names in events.
  if (metadata !== 'FULL')
    out.push(
      `${where}: binlog_row_metadata is ${metadata ?? 'not available on this server version'}; sync "cdc" needs FULL, or events recorded before an ALTER TABLE are read with today's column names`,
    );
  if (Number(v.server_id) === 0) out.push(`${where}: server_id is 0; a server with the binary log on needs a non-zero server_id`);
  out.push(...(await grantBlockers(conn)));
  out.push(...(await retentionBlockers(conn, spec)));
  return out;
}

/**
 * The stream reads the binlog from the position cdcPrepare records, after the backfill: binlogs
 * the server purges before then are a lost stream (CdcSlotLost) and a restart from preflight. So
 * retention must cover the backfill's expected time, twice over for a slower copy or a paused one.
 */
async function retentionBlockers(conn: ResolvedConnection, spec: MigrationSpec): Promise<string[]> {
  const pool = mysqlPool(conn);
  // binlog_expire_logs_seconds: MySQL 8 and MariaDB 10.6+; older servers have only expire_logs_days.
  const seconds = await pool.query<RowDataPacket[]>('select @@global.binlog_expire_logs_seconds as s').then(
    ([[r]]) => Number(r.s),
    async () => Number((await pool.query<RowDataPacket[]>('select @@global.expire_logs_days as d'))[0][0].d) * 86_400,
  );
  if (seconds === 0) return []; // never purged automatically
  const tables = spec.entities.map((e) => e.from.table);
  const [[{ rows }]] = await pool.query<RowDataPacket[]>(
    'select coalesce(sum(table_rows), 0) as `rows` from information_schema.tables where table_schema = database() and table_name in (?)',
    [tables],
  );
  const rate = spec.backfill.maxRowsPerSecond || ASSUMED_ROWS_PER_SECOND;
  const expected = Math.ceil(Number(rows) / rate);
  if (seconds >= 2 * expected) return [];
  return [
    `source ${conn.name}: binlogs are purged after ${seconds} s (binlog_expire_logs_seconds), but the backfill of about ${Number(rows)} rows at ` +
      `${rate} rows/s is expected to take ${expected} s, and the stream reads the binlog only after it; ` +
      `keep them at least ${2 * expected} s (SET GLOBAL binlog_expire_logs_seconds = ${2 * expected}, and in the server's configuration)`,
  ];
}

/** REPLICATION SLAVE and REPLICATION CLIENT (MariaDB ≥ 10.5 calls the latter BINLOG MONITOR) on *.*, SELECT on the database. */
async function grantBlockers(conn: ResolvedConnection): Promise<string[]> {
  const pool = mysqlPool(conn);
  const [rows] = await pool.query<RowDataPacket[]>('show grants');
  const [[{ db }]] = await pool.query<RowDataPacket[]>('select database() as db');
  const grants = rows.map((r) => String(Object.values(r)[0]).toUpperCase());
  const onAll = (g: string) => / ON \*\.\* TO /.test(g);
  const onDb = (g: string) => onAll(g) || g.includes(` ON \`${String(db).toUpperCase()}\`.* TO `);
  const has = (privilege: RegExp, scope: (g: string) => boolean) =>
    grants.some((g) => scope(g) && (/^GRANT ALL PRIVILEGES /.test(g) || privilege.test(g.slice(0, g.indexOf(' ON ')))));
  const missing = [
    !has(/\bREPLICATION SLAVE\b|\bREPLICATION REPLICA\b/, onAll) && 'REPLICATION SLAVE ON *.*',
    !has(/\bREPLICATION CLIENT\b|\bBINLOG MONITOR\b/, onAll) && 'REPLICATION CLIENT ON *.* (BINLOG MONITOR on MariaDB 10.5+)',
    !has(/\bSELECT\b/, onDb) && `SELECT ON \`${db}\`.*`,
  ].filter((m): m is string => !!m);
  return missing.length ? [`source ${conn.name}: the connection's user lacks ${missing.join(', ')}, which sync "cdc" needs (GRANT … TO the user)`] : [];
}
