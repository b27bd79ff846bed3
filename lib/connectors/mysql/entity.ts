import type { PoolConnection } from 'mysql2/promise';
import { pagedScan, streamingDigests } from '../digest';
import { hashByPages } from '../hash';
import { keyOfRecord } from '../keys';
import { connectorIdentity, sizeHintFor } from '../page';
import type { EntityConnector, KeyRange, ReadRequest, ReadResult } from '../types';
import { loadContext, MysqlContext, MysqlEntityOptions } from './context';
import { countRange, estimateRows } from './count';
import { mysqlPool } from './pool';
import { countQuarantined, quarantineRows } from './quarantine';
import { readByKeys, readPage } from './read';
import { dropRetiredTables, restoreTables, retireTables } from './retire';
import { inTransaction } from './session';
import { splitKeys } from './split';
import { storedForm } from './stored-form';
import { deleteWithTombstones, ensureTombstones } from './tombstones';
import { writeRecords } from './write';

export type { MysqlEntityOptions } from './context';

/** One entity stored in a MySQL or MariaDB table. */
export function mysqlEntity(options: MysqlEntityOptions): EntityConnector {
  const pool = mysqlPool(options.conn);
  let context: Promise<MysqlContext> | undefined;
  let tombstones: Promise<void> | undefined;
  const rowSize = sizeHintFor(`mysql\u0000${options.conn.name}\u0000${options.table}`);

  async function withSession<T>(work: (conn: PoolConnection, ctx: MysqlContext) => Promise<T>): Promise<T> {
    const conn = await pool.getConnection();
    try {
      if (!context)
        context = loadContext(conn, options).catch((err) => {
          context = undefined;
          throw err;
        });
      return await work(conn, await context);
    } finally {
      conn.release();
    }
  }

  const withConn = <T>(mode: 'read' | 'write', work: (conn: PoolConnection, ctx: MysqlContext) => Promise<T>): Promise<T> =>
    withSession(async (conn, ctx) => {
      // DDL commits implicitly, so the table is created before the transaction, once per connector.
      if (mode === 'write' && ctx.version)
        await (tombstones ??= ensureTombstones(conn).catch((err) => {
          tombstones = undefined;
          throw err;
        }));
      return inTransaction(conn, mode, () => work(conn, ctx));
    });

  async function readRange(request: ReadRequest): Promise<ReadResult> {
    const page = await withConn('read', (conn, ctx) => readPage(conn, ctx, request, rowSize));
    return { records: page.records, rejected: page.rejected, bytes: page.bytes, lastKey: page.full ? page.lastKey : undefined };
  }

  return {
    ...connectorIdentity(options, 'mysql'),
    readRange,
    splitRanges: (n) => withConn('read', (conn, ctx) => splitKeys(conn, ctx, n)),
    hashRange: (range) => hashByPages(readRange, range),
    ...streamingDigests(pagedScan(readRange), (record) => keyOfRecord(record, options.recordKey)),
    fetchByKeys: async (keys) => {
      if (!keys.length) return { records: [], rejected: [] };
      const { records, rejected } = await withConn('read', (conn, ctx) => readByKeys(conn, ctx, keys));
      return { records, rejected };
    },
    writeBatch: async (records, opts) => {
      if (!records.length) return { written: 0, skipped: 0, quarantined: 0 };
      const { rejected, ...result } = await withConn('write', (conn, ctx) =>
        writeRecords(conn, ctx, records, { ...opts, versionGuard: opts?.versionGuard ?? true }),
      );
      // Its CREATE TABLE commits implicitly, so the quarantine goes in a session of its own.
      if (rejected.length) await withSession((conn) => quarantineRows(conn, rejected));
      return result;
    },
    // Records are in the target's shape on either side: on a source, mapped back to its columns and forward again.
    storedForm: async (records) => {
      const ctx = await (context ?? withSession(async (_conn, ctx) => ctx));
      return records.map((r) => options.toRecord(storedForm(ctx, options.fromRecord(r))));
    },
    quarantine: (entries) => withSession((conn) => quarantineRows(conn, entries)),
    quarantined: () => withSession((conn) => countQuarantined(conn, options.entity)),
    deleteKeys: async (keys, opts) =>
      keys.length ? withConn('write', (conn, ctx) => deleteWithTombstones(conn, ctx, keys, opts?.upTo)) : { deleted: 0, kept: [] },
    count: (range?: KeyRange) => withConn('read', (conn, ctx) => countRange(conn, ctx, range ?? {})),
    estimate: () => withSession((conn, ctx) => estimateRows(conn, ctx)),
    retire: (tag) => retireTables(pool, [options.table], tag),
    restore: (tag) => restoreTables(pool, [options.table], tag),
    drop: (tag) => dropRetiredTables(pool, [options.table], tag),
  };
}
