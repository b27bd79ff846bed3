/**
 * Runs calls for the same key one after another. The router writes a user to one database and
 * then the other; two concurrent updates of one user could land in opposite orders on the two
 * sides (the primary write is unconditional, the secondary version-guarded), leaving them
 * different. Serializing per user keeps both sides in the same order, as one service instance
 * with a per-row lock would in production.
 */
export function keyLock() {
  const tails = new Map<string, Promise<unknown>>();
  return async function withKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = tails.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      // The last one out removes the entry, so the map holds only keys in use.
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
