import type { PoolConnection } from 'mysql2/promise';

/**
 * A read is one snapshot, so the chunks of a page agree. A write decides under row locks in READ
 * COMMITTED: locking reads there take no gap locks, so concurrent batches of different keys never
 * deadlock on the gaps between them.
 */
export async function inTransaction<T>(conn: PoolConnection, mode: 'read' | 'write', work: () => Promise<T>): Promise<T> {
  if (mode === 'read') await conn.query('start transaction with consistent snapshot, read only');
  else {
    await conn.query('set transaction isolation level read committed');
    await conn.query('start transaction');
  }
  try {
    const result = await work();
    await conn.query('commit');
    return result;
  } catch (err) {
    await conn.query('rollback').catch(() => undefined);
    throw err;
  }
}
