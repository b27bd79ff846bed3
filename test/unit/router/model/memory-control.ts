import type { ReconcileItem, RoutingState, WriteIntent } from '../../../../lib/control';
import { keyText } from '../../../../lib/connectors/keys';
import type { Key } from '../../../../lib/connectors/types';
import type { RouterControl } from '../../../../lib/router';
import type { Fault, Yield } from './memory-db';

/**
 * The control store of the model: routing, leases, write intents and the reconcile queue in
 * memory, with the same meaning as the PostgreSQL store (lib/control) and the same failure
 * points as the databases. `forRouter` hands each application instance its own view, which a
 * crash cuts off: a dead process sends nothing more.
 */
export function memoryControl(routing: RoutingState, yieldTo: Yield, nextFault: () => Fault) {
  const leases = new Map<string, number>();
  const intents = new Map<string, WriteIntent & { routerId: string }>();
  const queue = new Map<string, { entity: string; key: Key; target: 'old' | 'new' }>();

  const enqueue = (entity: string, key: Key, target: 'old' | 'new') => queue.set(`${entity}\u0000${target}\u0000${keyText(key)}`, { entity, key, target });

  async function call<T>(what: string, isDead: () => boolean, apply: () => T): Promise<T> {
    const fault = nextFault();
    await yieldTo(`control ${what}`);
    if (isDead() || fault === 'fail') throw new Error(`control store: connection lost before ${what}`);
    const result = apply();
    await yieldTo(`control ${what} answer`);
    if (fault === 'lost') throw new Error(`control store: connection lost after ${what}`);
    return result;
  }

  function forRouter(isDead: () => boolean): RouterControl {
    return {
      renewAndRead: (routerId, following) =>
        call(`lease ${routerId}`, isDead, () => {
          leases.set(routerId, following);
          return routing;
        }),
      recordIntents: (routerId, batch) =>
        call(`intents ${batch.map((i) => keyText(i.key as Key)).join(',')}`, isDead, () => {
          if (!leases.has(routerId)) return false;
          for (const i of batch) if (i.target) intents.set(i.id, { ...i, routerId });
          return true;
        }),
      finishIntents: (done, unfinished) =>
        call('finish intents', isDead, () => {
          for (const id of done) intents.delete(id);
          for (const { id } of unfinished) {
            const intent = intents.get(id);
            if (!intent) continue;
            intents.delete(id);
            enqueue(intent.entity, intent.key as Key, intent.target!);
          }
        }),
      enqueueReconcile: (item: ReconcileItem) =>
        call('enqueue', isDead, () => {
          enqueue(item.entity, item.key as Key, item.target);
        }),
      recordCounters: async () => undefined,
      releaseLease: async (routerId) => {
        leases.delete(routerId);
      },
    };
  }

  return {
    forRouter,
    queue,
    /** The workflow's drain: every intent still standing belongs to a write no router will finish. */
    moveStaleIntents() {
      for (const intent of intents.values()) enqueue(intent.entity, intent.key as Key, intent.target!);
      intents.clear();
    },
  };
}
