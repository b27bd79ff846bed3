import type { RoutingState } from '../../../../lib/control';
import type { Key } from '../../../../lib/connectors/types';
import type { RouterControl } from '../../../../lib/router';
import { memoryRouterControl } from '../../../support/memory-router-control';
import type { Fault, Yield } from './memory-db';

/**
 * The control store of the model: the in-memory store of test/support (the same rules as
 * lib/control's SQL) with the databases' failure points around every call. `forRouter` hands
 * each application instance its own view, which a crash cuts off: a dead process sends nothing
 * more. The store's clock stands still while the instances write; `lapseLeases` moves it past
 * every lease, as time does for a router that died.
 */
export function memoryControl(routing: RoutingState, yieldTo: Yield, nextFault: () => Fault) {
  let clock = 0;
  const store = memoryRouterControl(routing.migrationId, () => clock);
  store.publish(routing);

  async function call<T>(what: string, isDead: () => boolean, apply: () => Promise<T>): Promise<T> {
    const fault = nextFault();
    await yieldTo(`control ${what}`);
    if (isDead() || fault === 'fail') throw new Error(`control store: connection lost before ${what}`);
    // The store applies a call before its first await, so the change is made here, at this point of the schedule.
    const result = apply();
    await yieldTo(`control ${what} answer`);
    if (fault === 'lost') throw new Error(`control store: connection lost after ${what}`);
    return result;
  }

  function forRouter(isDead: () => boolean): RouterControl {
    const c = store.control;
    return {
      renewAndRead: (routerId, following, ttlMs) => call(`lease ${routerId}`, isDead, () => c.renewAndRead(routerId, following, ttlMs)),
      recordIntents: (routerId, batch) => call(`intents ${batch.map((i) => JSON.stringify(i.key)).join(',')}`, isDead, () => c.recordIntents(routerId, batch)),
      finishIntents: (done, unfinished) => call('finish intents', isDead, () => c.finishIntents(done, unfinished)),
      enqueueReconcile: (item) => call('enqueue', isDead, () => c.enqueueReconcile(item)),
      recordCounters: (report) => c.recordCounters(report),
      releaseLease: (routerId) => c.releaseLease(routerId),
    };
  }

  return {
    forRouter,
    /** The workflow's drain once every lease has lapsed: each intent still standing belongs to a write no router will finish. */
    moveStaleIntents(staleAfterMs: number) {
      clock = Number.MAX_SAFE_INTEGER / 2;
      store.moveStaleIntents(staleAfterMs);
    },
    queue: () => [...store.reconcileQueue.values()].map((item) => ({ key: item.key as Key, target: item.target })),
  };
}
