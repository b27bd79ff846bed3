/**
 * A bounded, de-duplicating buffer of control-store writes the router must not wait for (shadow
 * mismatches, write outcomes). Items are sent in batches on a timer and on kick(); a failed send
 * keeps them for the next try. When full, a new item is refused and counted as dropped: memory
 * stays bounded during a long control-store outage. A dropped write outcome leaves its intent in
 * the control store, which the workflow reconciles once stale; a dropped mismatch is left to the
 * verification (range hashes), which finds any row the two databases disagree on.
 */
export interface Outbox<T> {
  add(id: string, item: T): void;
  /** Sends now (without waiting for the timer); resolves when this attempt is over. */
  kick(): Promise<void>;
  stats(): OutboxStats;
}

export interface OutboxStats {
  buffered: number;
  sent: number;
  dropped: number;
  sendFailures: number;
}

export function outbox<T>(capacity: number, send: (items: T[]) => Promise<void>, batchSize = 500): Outbox<T> {
  const items = new Map<string, T>();
  let sent = 0;
  let dropped = 0;
  let sendFailures = 0;
  let sending: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (items.size) {
      const batch = [...items].slice(0, batchSize);
      try {
        await send(batch.map(([, item]) => item));
      } catch {
        sendFailures++;
        return;
      }
      // An id re-added while its batch was in flight stays: the newer item may carry a newer reason.
      for (const [id, item] of batch) if (items.get(id) === item) items.delete(id);
      sent += batch.length;
    }
  }

  return {
    add(id, item) {
      if (!items.has(id) && items.size >= capacity) {
        dropped++;
        return;
      }
      items.set(id, item);
    },
    kick() {
      sending ??= drain().finally(() => {
        sending = undefined;
      });
      return sending;
    },
    stats: () => ({ buffered: items.size, sent, dropped, sendFailures }),
  };
}
