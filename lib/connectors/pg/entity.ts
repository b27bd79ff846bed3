import type { PoolClient } from 'pg';
import { pgPool } from '../clients';
import { pagedScan, streamingDigests } from '../digest';
import { hashByPages } from '../hash';
import { keyOfRecord } from '../keys';
import type { EntityConnector, Key, KeyRange, ReadRequest, ReadResult } from '../types';
import { connectorIdentity, sizeHintFor } from '../page';
import { loadContext, PgContext, PgEntityOptions } from './context';
import { countQuarantined, quarantineRows } from './quarantine';
import { dropRetiredTables, restoreTables, retireTables } from './retire';
import { countRange, estimateRows } from './count';
import { readByKeys, readPage } from './read';
import { inTransaction } from './session';
import { splitKeys } from './split';
import { deleteWithTombstones, ensureTombstones, tombstoneVersions } from './tombstones';
import { storedForm } from './stored-form';
import { writeRecords } from './write';

export type { PgEntityOptions } from './context';

/** One entity stored in a PostgreSQL table (plus child tables for embedded arrays). */
export function pgEntity(options: PgEntityOptions): EntityConnector {
  const pool = pgPool(options.conn);
  let context: Promise<PgContext> | undefined;
  let tombstones: Promise<void> | undefined;
  // The parent first, then its children: the order retire and restore report them in.
  const tables = [options.table, ...options.children.map((c) => c.table)];
  const rowSize = sizeHintFor(`postgres\u0000${options.conn.name}\u0000${options.table}`);

  /** A pooled client with the entity's context; the work manages its own transaction. */
  async function withSession<T>(work: (client: PoolClient, ctx: PgContext) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      if (!context)
        context = loadContext(client, options).catch((err) => {
          context = undefined;
          throw err;
        });
      return await work(client, await context);
    } finally {
      client.release();
    }
  }

  const withClient = <T>(mode: 'read' | 'write', work: (client: PoolClient, ctx: PgContext) => Promise<T>): Promise<T> =>
    withSession(async (client, ctx) => {
      // Created outside the transaction: a lost creation race must not abort it.
      if (mode === 'write' && ctx.version)
        await (tombstones ??= ensureTombstones(client).catch((err) => {
          tombstones = undefined;
          throw err;
        }));
      return inTransaction(client, mode, () => work(client, ctx));
    });

  async function readRange(request: ReadRequest): Promise<ReadResult> {
    const page = await withClient('read', (client, ctx) => readPage(client, ctx, request, rowSize));
    return { records: page.records, rejected: page.rejected, bytes: page.bytes, lastKey: page.full ? page.lastKey : undefined };
  }

  return {
    ...connectorIdentity(options, 'postgres'),
    readRange,
    splitRanges: (n) => withClient('read', (client, ctx) => splitKeys(client, ctx, n)),
    hashRange: (range) => hashByPages(readRange, range),
    ...streamingDigests(pagedScan(readRange), (record) => keyOfRecord(record, options.recordKey)),
    fetchByKeys: async (keys) => {
      if (!keys.length) return { records: [], rejected: [] };
      const { records, rejected } = await withSession((client, ctx) => readByKeys(client, ctx, keys));
      return { records, rejected };
    },
    writeBatch: async (records, opts) => {
      if (!records.length) return { written: 0, skipped: 0, quarantined: 0 };
      const { rejected, ...result } = await withClient('write', (client, ctx) =>
        writeRecords(client, ctx, records, { ...opts, versionGuard: opts?.versionGuard ?? true }),
      );
      if (rejected.length) await withClient('write', (client) => quarantineRows(client, rejected));
      return result;
    },
    // Records are in the target's shape on either side: on a source, mapped back to its columns and forward again.
    storedForm: async (records) => {
      const ctx = await (context ?? withSession(async (_client, ctx) => ctx));
      return records.map((r) => options.toRecord(storedForm(ctx, options.fromRecord(r))));
    },
    quarantine: (entries) => withClient('write', (client) => quarantineRows(client, entries)),
    quarantined: () => countQuarantined(pool, options.entity),
    deleteKeys: async (keys, opts) =>
      keys.length ? withClient('write', (client, ctx) => deleteWithTombstones(client, ctx, keys, opts?.upTo)) : { deleted: 0, kept: [] },
    ...(options.side === 'target' ? { deletedVersions: (keys: Key[]) => withClient('read', (client, ctx) => tombstoneVersions(client, ctx, keys)) } : {}),
    count: (range?: KeyRange) => withClient('read', (client, ctx) => countRange(client, ctx, range ?? {})),
    estimate: () => withClient('read', (client, ctx) => estimateRows(client, ctx)),
    retire: (tag) => retireTables(pool, tables, tag),
    restore: (tag) => restoreTables(pool, tables, tag),
    drop: (tag) => dropRetiredTables(pool, tables, tag),
  };
}
