import type { Pool, PoolClient } from 'pg';
import { quoteIdent, quoteQualified, splitQualified } from '../../sql/identifiers';
import { retiredName } from '../retired-name';
import type { RetiredName } from '../types';

/** PostgreSQL cuts identifiers at 63 bytes; spec names are ASCII, so characters are bytes. */
const MAX_IDENTIFIER = 63;

/** The retired name of a possibly schema-qualified table, in the same schema. */
function retiredOf(table: string, tag: string): RetiredName {
  const parts = splitQualified(table);
  const retired = retiredName(parts[parts.length - 1], tag, MAX_IDENTIFIER);
  return { name: table, retiredAs: parts.length > 1 ? `${parts[0]}.${retired}` : retired };
}

const exists = async (client: PoolClient, table: string) =>
  (await client.query('select to_regclass($1) is not null as found', [quoteQualified(table)])).rows[0].found as boolean;

/** Renames in one transaction: the parent and its child tables move together or not at all. */
async function inOne<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export function retireTables(pool: Pool, tables: string[], tag: string): Promise<RetiredName[]> {
  return inOne(pool, async (client) => {
    const names = tables.map((t) => retiredOf(t, tag));
    for (const n of names) {
      if (await exists(client, n.name)) await client.query(`alter table ${quoteQualified(n.name)} rename to ${quoteIdent(splitQualified(n.retiredAs).pop()!)}`);
    }
    return names;
  });
}

export function restoreTables(pool: Pool, tables: string[], tag: string): Promise<RetiredName[]> {
  return inOne(pool, async (client) => {
    const names = tables.map((t) => retiredOf(t, tag));
    for (const n of names) {
      if (await exists(client, n.retiredAs))
        await client.query(`alter table ${quoteQualified(n.retiredAs)} rename to ${quoteIdent(splitQualified(n.name).pop()!)}`);
    }
    return names;
  });
}

/** Children first, without CASCADE: a view or foreign key of someone else's on a retired table stops the drop. */
export function dropRetiredTables(pool: Pool, tables: string[], tag: string): Promise<RetiredName[]> {
  return inOne(pool, async (client) => {
    const dropped: RetiredName[] = [];
    for (const n of tables.map((t) => retiredOf(t, tag)).reverse()) {
      if (!(await exists(client, n.retiredAs))) continue;
      await client.query(`drop table ${quoteQualified(n.retiredAs)}`);
      dropped.unshift(n);
    }
    return dropped;
  });
}
