import type { ClientBase } from 'pg';
import { parseDuration } from '../spec/duration';
import { quoteIdent, quoteQualified } from '../sql/identifiers';
import type { WatchedTable } from './tables';

const LOCK_NOT_AVAILABLE = '55P03';

/** An ALTER TABLE gave up waiting for its lock (cdc.lockTimeout). */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/**
 * A table's replica identity decides which columns of the old row reach the WAL on updates and
 * deletes. CDC needs, in every old tuple, the columns that name the touched record: the key for a
 * parent table, the foreign key for a child table (a deleted order must say whose order it was);
 * and for a versioned parent the version, so a delete removes nothing newer on the target than
 * the version it deleted. The default identity (the primary key) covers an unversioned parent
 * whose spec key is its primary key; any other table is switched to FULL, and the previous
 * identity is returned so teardown can put it back.
 */
export interface IdentityChange {
  table: string;
  /** pg_class.relreplident before: d default, n nothing, i index, f full. */
  previous: 'd' | 'n' | 'i' | 'f';
  /** The index of a previous USING INDEX identity. */
  index?: string;
}

interface IdentityRow {
  identity: IdentityChange['previous'];
  columns: string[];
  index: string | null;
}

/** `lockTimeout`: how long each ALTER TABLE may wait for its lock (a spec duration, cdc.lockTimeout). */
export async function ensureReplicaIdentity(client: ClientBase, tables: WatchedTable[], lockTimeout: string): Promise<IdentityChange[]> {
  const changes: IdentityChange[] = [];
  for (const t of tables) {
    const current = await readIdentity(client, t.table);
    const needed = t.role === 'parent' ? [...t.key, ...(t.version ? [t.version] : [])] : [t.foreignKey];
    if (current.identity === 'f' || needed.every((c) => current.columns.includes(c))) continue;
    await alterIdentity(client, t.table, 'full', lockTimeout);
    changes.push({ table: t.table, previous: current.identity, ...(current.identity === 'i' && current.index ? { index: current.index } : {}) });
  }
  return changes;
}

/** Puts back identities ensureReplicaIdentity changed; a table that is gone meanwhile is skipped. */
export async function restoreReplicaIdentity(client: ClientBase, changes: IdentityChange[], lockTimeout: string): Promise<void> {
  for (const c of changes) {
    const { rows } = await client.query('select 1 from pg_class where oid = to_regclass($1)', [quoteQualified(c.table)]);
    if (!rows.length) continue;
    const identity = c.previous === 'i' && c.index ? `using index ${quoteIdent(c.index)}` : { d: 'default', n: 'nothing', i: 'default', f: 'full' }[c.previous];
    await alterIdentity(client, c.table, identity, lockTimeout);
  }
}

/**
 * ALTER TABLE takes an ACCESS EXCLUSIVE lock: while it waits behind a long transaction, every
 * later query of the table waits behind it. A lock_timeout bounds that stall on a production
 * table; when it expires, nothing changed and the error says what to do.
 */
async function alterIdentity(client: ClientBase, table: string, identity: string, lockTimeout: string): Promise<void> {
  await client.query('begin');
  try {
    await client.query(`set local lock_timeout = ${parseDuration(lockTimeout)}`);
    await client.query(`alter table ${quoteQualified(table)} replica identity ${identity}`);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
    throw new LockTimeoutError(
      `ALTER TABLE ${table} REPLICA IDENTITY ${identity.toUpperCase()} waited cdc.lockTimeout (${lockTimeout}) for its lock: a transaction or query ` +
        `on ${table} holds it (pg_locks, pg_stat_activity); retry once it has finished, or raise cdc.lockTimeout`,
    );
  }
}

async function readIdentity(client: ClientBase, table: string): Promise<IdentityRow> {
  const { rows } = await client.query<IdentityRow>(
    `select c.relreplident as identity, i.relname as index,
            coalesce(array(select a.attname from unnest(x.indkey) k join pg_attribute a on a.attrelid = c.oid and a.attnum = k), '{}')::text[] as columns
       from pg_class c
       left join pg_index x on x.indrelid = c.oid and (case c.relreplident when 'd' then x.indisprimary when 'i' then x.indisreplident else false end)
       left join pg_class i on i.oid = x.indexrelid
      where c.oid = to_regclass($1)`,
    [quoteQualified(table)],
  );
  if (!rows.length) throw new Error(`table ${table} does not exist`);
  return rows[0];
}
