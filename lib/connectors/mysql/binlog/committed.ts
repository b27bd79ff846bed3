import type { Pool } from 'mysql2/promise';
import { fromKeyPart } from '../../keys';
import type { Key } from '../../types';
import { encodeLiteral } from '../encode';
import { inTransaction } from '../session';
import { quoteId } from '../sql';
import type { WatchedSource } from './watched';

const CHUNK = 500;

/**
 * Waits until the transactions that wrote these keys have committed in the storage engine. The
 * server sends a transaction's binlog events before InnoDB makes its commit visible, so a re-read
 * right behind the binlog can still see the old row and write it, and the stream would then move
 * past that change for good. A locking read waits for each row lock the committing transaction
 * holds (updated, deleted or inserted rows alike), and takes a moment almost always.
 */
export async function awaitCommitted(pool: Pool, w: WatchedSource, keys: Key[]): Promise<void> {
  if (!keys.length) return;
  const conn = await pool.getConnection();
  try {
    const cols = w.key.length === 1 ? quoteId(w.key[0].name) : `(${w.key.map((k) => quoteId(k.name)).join(', ')})`;
    for (let i = 0; i < keys.length; i += CHUNK) {
      const tuples = keys.slice(i, i + CHUNK).map((k) => {
        const literals = w.key.map((c, j) => encodeLiteral(c, fromKeyPart(k[j]), w.zone));
        return literals.length === 1 ? literals[0] : `(${literals.join(', ')})`;
      });
      await inTransaction(conn, 'write', () => conn.query(`select 1 from ${w.table.sql} where ${cols} in (${tuples.join(', ')}) lock in share mode`));
    }
  } finally {
    conn.release();
  }
}
