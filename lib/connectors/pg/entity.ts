import type { PoolClient } from 'pg';
import { quoteIdent } from '../../sql/identifiers';
import { pgPool } from '../clients';
import { hashByPages } from '../hash';
import type { EntityConnector, Key, KeyRange, ReadRequest, ReadResult } from '../types';
import { connectorIdentity, sizeHintFor } from '../page';
import { loadContext, PgContext, PgEntityOptions } from './context';
import { quarantineRows } from './quarantine';
import { countRange, estimateRows } from './count';
import { keysJson, readByKeys, readPage } from './read';
import { inTransaction } from './session';
import { splitKeys } from './split';
import { storedForm } from './stored-form';
import { keyIn } from './sql';
import { writeRecords } from './write';

export type { PgEntityOptions } from './context';

/** One entity stored in a PostgreSQL table (plus child tables for embedded arrays). */
export function pgEntity(options: PgEntityOptions): EntityConnector {
  const pool = pgPool(options.conn);
  let context: Promise<PgContext> | undefined;
  const rowSize = sizeHintFor(`postgres\u0000${options.conn.name}\u0000${options.table}`);

  /** A pooled client with the entity's context; the work manages its own transaction. */
  async function withSession<T>(work: (client: PoolClient, ctx: PgContext) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      if (!context) context = loadContext(client, options).catch((err) => { context = undefined; throw err; });
      return await work(client, await context);
    } finally {
      client.release();
    }
  }

  const withClient = <T>(mode: 'read' | 'write', work: (client: PoolClient, ctx: PgContext) => Promise<T>): Promise<T> =>
    withSession((client, ctx) => inTransaction(client, mode, () => work(client, ctx)));

  async function readRange(request: ReadRequest): Promise<ReadResult> {
    const page = await withClient('read', (client, ctx) => readPage(client, ctx, request, rowSize));
    return { records: page.records, rejected: page.rejected, bytes: page.bytes, lastKey: page.full ? page.lastKey : undefined };
  }

  return {
    ...connectorIdentity(options, 'postgres'),
    readRange,
    splitRanges: (n) => withClient('read', (client, ctx) => splitKeys(client, ctx, n)),
    hashRange: (range) => hashByPages(readRange, range),
    fetchByKeys: async (keys) => (keys.length ? (await withSession((client, ctx) => readByKeys(client, ctx, keys))).records : []),
    writeBatch: async (records, opts) => {
      if (!records.length) return { written: 0, skipped: 0, quarantined: 0 };
      const { rejected, ...result } = await withClient('write', (client, ctx) => writeRecords(client, ctx, records, opts?.versionGuard ?? true));
      if (rejected.length) await withClient('write', (client) => quarantineRows(client, rejected));
      return result;
    },
    storedForm: (records) => withSession(async (_client, ctx) => records.map((r) => storedForm(ctx, r))),
    quarantine: (entries) => withClient('write', (client) => quarantineRows(client, entries)),
    deleteKeys: (keys) => (keys.length ? withClient('write', (client, ctx) => deleteKeys(client, ctx, keys)) : Promise.resolve(0)),
    count: (range?: KeyRange) => withClient('read', (client, ctx) => countRange(client, ctx, range ?? {})),
    estimate: () => withClient('read', (client, ctx) => estimateRows(client, ctx)),
  };
}

async function deleteKeys(client: PoolClient, ctx: PgContext, keys: Key[]): Promise<number> {
  const json = keysJson(ctx, keys);
  for (const child of ctx.children) {
    const parentKey = quoteIdent(ctx.key[0].name);
    await client.query(
      `delete from ${child.table.sql} where ${quoteIdent(child.foreignKey.name)} in (select p.${parentKey} from ${ctx.table.sql} p where ${keyIn(ctx.table, ctx.key, 1, 'p')})`,
      [json],
    );
  }
  const { rowCount } = await client.query(`delete from ${ctx.table.sql} where ${keyIn(ctx.table, ctx.key, 1)}`, [json]);
  return rowCount ?? 0;
}
