import { randomUUID } from 'node:crypto';
import type { RoutingState, UnfinishedIntent } from '../control';
import { keyText } from '../connectors/keys';
import type { Key } from '../connectors/types';
import { redactSecrets } from '../redact';
import { groupCommit } from './group-commit';
import { outbox } from './outbox';
import type { RouterControl } from './router-control';
import { RouterFencedError } from './routing-follower';
import { withTimeout, writeOrder } from './writes';

/** One write's record: settled once (the first outcome wins), ended when the write is over. */
export interface IntentHandle {
  /** Both databases took the write: the intent is forgotten. */
  done(): void;
  /** The second database may lack the write: the key goes to the reconcile queue. */
  unfinished(reason: string): void;
  end(): void;
}

/**
 * The durable record of a router's writes (issue #12 items 1 and 2). Before a write's first
 * database call the router records, in the control store, an intent naming the key and the side
 * written second (dual writes) and the written key (the new database primary). Concurrent
 * writes share one statement (group commit). No record, no write: the request fails with the
 * control store's error. The outcome is sent off the request's path, batched; an outcome lost on the way (a crash,
 * an outage, a full buffer) leaves the intent, which the workflow's drain moves to the reconcile
 * queue once stale, so nothing depends on this process surviving.
 */
export function writeIntents(control: RouterControl, routerId: string, opts: { capacity: number; timeoutMs: number }) {
  // A hung control store must not hold requests (or the batches behind) longer than the timeout.
  // A recording that lands after it only leaves an intent without a write: one extra reconcile.
  const record = groupCommit((intents: Parameters<RouterControl['recordIntents']>[1]) => withTimeout(control.recordIntents(routerId, intents), opts.timeoutMs));
  const outcomes = outbox<{ id: string; reason?: string }>(opts.capacity, (items) =>
    control.finishIntents(
      items.filter((i) => i.reason === undefined).map((i) => i.id),
      items.filter((i): i is UnfinishedIntent => i.reason !== undefined),
    ),
  );
  // Writes in flight per routing version: the lease acknowledges no version above the oldest.
  const inFlight = new Map<number, number>();
  const leave = (version: number) => {
    const n = inFlight.get(version)! - 1;
    if (n === 0) inFlight.delete(version);
    else inFlight.set(version, n);
  };

  async function begin(entity: string, key: Key, state: RoutingState): Promise<IntentHandle> {
    inFlight.set(state.version, (inFlight.get(state.version) ?? 0) + 1);
    const [primary, secondary] = writeOrder(state.writes);
    // Old only (before dual writes, or CDC before the switch): nothing for the migration to record.
    if (primary === 'old' && !secondary) return handle(undefined, state.version);
    const id = randomUUID();
    let leased: boolean;
    try {
      leased = await record({ id, entity, key, routingVersion: state.version, target: secondary, newPrimary: primary === 'new' });
    } catch (err) {
      leave(state.version);
      throw new Error(
        `write to ${entity} ${keyText(key)} refused: the control store did not record it, and a write without a record could be lost ` +
          `(${redactSecrets(err instanceof Error ? err.message : String(err))})`,
      );
    }
    if (!leased) {
      leave(state.version);
      throw new RouterFencedError(`write to ${entity} ${keyText(key)} refused: router ${routerId}'s lease expired at the control store`);
    }
    return handle(secondary ? id : undefined, state.version);
  }

  function handle(id: string | undefined, version: number): IntentHandle {
    let settled = false;
    let ended = false;
    const settle = (reason?: string) => {
      if (settled || !id) return;
      settled = true;
      outcomes.add(id, { id, ...(reason === undefined ? {} : { reason: redactSecrets(reason) }) });
      // Sent at once, batched with whatever else is waiting: an intent left standing costs a reconcile.
      void outcomes.kick();
    };
    return {
      done: () => settle(),
      unfinished: (reason) => settle(reason),
      end() {
        if (ended) return;
        ended = true;
        leave(version);
      },
    };
  }

  return {
    begin,
    /** The routing version the lease acknowledges: the current one unless a write still runs under an older one. */
    following: (current: RoutingState) => Math.min(current.version, ...inFlight.keys()),
    flush: () => outcomes.kick(),
    stats: () => outcomes.stats(),
  };
}
