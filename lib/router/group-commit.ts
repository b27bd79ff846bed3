/**
 * Group commit: items submitted while a batch is on its way wait and go together in the next
 * one, so concurrent requests share one round trip instead of queueing for one each. A single
 * request is sent at once (no timer). A failed send fails every item of its batch.
 */
export function groupCommit<T, R>(send: (items: T[]) => Promise<R>, maxBatch = 500): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  let busy = false;

  async function pump(): Promise<void> {
    busy = true;
    while (waiting.length) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      try {
        const result = await send(batch.map((w) => w.item));
        for (const w of batch) w.resolve(result);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    busy = false;
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!busy) void pump();
    });
}
