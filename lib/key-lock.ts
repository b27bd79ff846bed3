/**
 * Runs calls for the same key one after another, calls for different keys concurrently. The map
 * holds only keys with a call running or waiting.
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
