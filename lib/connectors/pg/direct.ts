import type { Pool, PoolClient } from 'pg';
import { pgPool } from '../clients';
import type { DirectCopier } from '../types';
import { loadContext, PgContext, PgEntityOptions } from './context';
import { directColumns } from './direct-columns';
import { copyDirectPage } from './direct-page';
import { beginSql } from './session';
import { ensureTombstones } from './tombstones';

/**
 * A DirectCopier from one PostgreSQL table to another, or the reason the mapping needs the
 * row-by-row path (direct-columns.ts). `rename` maps a source column to its target column (null:
 * dropped).
 */
export async function pgDirectCopy(source: PgEntityOptions, target: PgEntityOptions, rename: (field: string) => string | null): Promise<DirectCopier | string> {
  const sourcePool = pgPool(source.conn);
  const targetPool = pgPool(target.conn);
  const [sourceCtx, targetCtx] = await Promise.all([contextOf(sourcePool, source), contextOf(targetPool, target, true)]);
  const columns = directColumns(sourceCtx, targetCtx, rename);
  if (typeof columns === 'string') return columns;
  return {
    copyPage: (request, options) =>
      inPair(sourcePool, targetPool, (s, t) =>
        copyDirectPage({ client: s, ctx: sourceCtx }, { client: t, ctx: targetCtx }, columns, request, options?.versionGuard ?? true),
      ),
  };
}

async function contextOf(pool: Pool, options: PgEntityOptions, written = false): Promise<PgContext> {
  const client = await pool.connect();
  try {
    const ctx = await loadContext(client, options);
    // The guarded upsert reads the target's tombstones (tombstones.ts).
    if (written && ctx.version) await ensureTombstones(client);
    return ctx;
  } finally {
    client.release();
  }
}

/** One page: a read snapshot on the source and a write transaction on the target, both pinned. */
async function inPair<T>(sourcePool: Pool, targetPool: Pool, work: (source: PoolClient, target: PoolClient) => Promise<T>): Promise<T> {
  const [s, t] = await takePair(sourcePool, targetPool);
  try {
    await Promise.all([s.query(beginSql('read')), t.query(beginSql('write'))]);
    const result = await work(s, t);
    await t.query('commit');
    await s.query('commit');
    s.release();
    t.release();
    return result;
  } catch (err) {
    // A COPY cut short leaves its connection mid-protocol, where a ROLLBACK could wait forever:
    // both connections are discarded instead, and the servers roll back.
    s.release(err as Error);
    t.release(err as Error);
    throw err;
  }
}

let taking: Promise<unknown> = Promise.resolve();

/**
 * Takes a page's two clients under one lock: when source and target share a pool, pages each
 * holding one client while waiting for a second could otherwise exhaust it and wait forever.
 */
function takePair(first: Pool, second: Pool): Promise<[PoolClient, PoolClient]> {
  const pair = taking.then(async (): Promise<[PoolClient, PoolClient]> => {
    const a = await first.connect();
    try {
      return [a, await second.connect()];
    } catch (err) {
      a.release();
      throw err;
    }
  });
  taking = pair.catch(() => undefined);
  return pair;
}
