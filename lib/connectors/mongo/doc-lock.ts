import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Collection, Db } from 'mongodb';
import { keyLock } from '../../key-lock';

const DUPLICATE_KEY = 11000;
/** A holder that died keeps its lock this long at most; every locked step is one or two point operations. */
const LEASE_MS = 10_000;
const MAX_WAIT_MS = 40;

interface LockDoc {
  _id: string;
  owner: string;
  expiresAt: Date;
}

/** Within this process, calls for one document queue here instead of polling the lock document. */
const local = keyLock();

/**
 * Runs `work` holding the lock of one document, across processes. FerretDB 1.x evaluates a
 * write's filter on a document it has read and then writes by `_id` with nothing in between, so
 * two conditional writes of one document (a guarded replace and a guarded delete, from two
 * routers or a router and a worker) can both match and the older one land last. The lock is a
 * document in switchyard_locks whose unique `_id` names the locked document: inserting it is
 * atomic on FerretDB too. A lock past its expiry (its holder died) is taken over.
 */
export async function withDocLock<T>(db: Db, name: string, work: () => Promise<T>): Promise<T> {
  return local(name, async () => {
    const locks: Collection<LockDoc> = db.collection<LockDoc>('switchyard_locks');
    const owner = randomUUID();
    for (let wait = 1; !(await tryLock(locks, name, owner)); wait = Math.min(wait * 2, MAX_WAIT_MS)) {
      await locks.deleteOne({ _id: name, expiresAt: { $lt: new Date() } });
      await delay(wait);
    }
    try {
      return await work();
    } finally {
      await locks.deleteOne({ _id: name, owner });
    }
  });
}

async function tryLock(locks: Collection<LockDoc>, name: string, owner: string): Promise<boolean> {
  try {
    await locks.insertOne({ _id: name, owner, expiresAt: new Date(Date.now() + LEASE_MS) });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === DUPLICATE_KEY) return false;
    throw err;
  }
}
