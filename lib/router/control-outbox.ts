import type { ReconcileItem } from '../control';
import { keyText } from '../connectors/keys';
import type { Key } from '../connectors/types';
import { redactSecrets } from '../redact';
import { outbox } from './outbox';
import type { RouterControl } from './router-control';
import type { Side } from './types';

/**
 * Keys a shadow read found different, owed to the reconcile queue: sent at once, and again on
 * every flush while the control store is away. Keys whose write missed a database do not pass
 * here: their write intent is the durable record (write-intents.ts).
 */
export function controlOutbox(control: RouterControl, migrationId: string, capacity: number) {
  const reconcile = outbox<ReconcileItem>(capacity, async (items) => {
    for (const item of items) await control.enqueueReconcile(item);
  });
  return {
    queueReconcile(entity: string, key: Key, target: Side, reason: string) {
      reconcile.add(`${entity}\u0000${target}\u0000${keyText(key)}`, { migrationId, entity, key, target, reason: redactSecrets(reason) });
      void reconcile.kick();
    },
    flush: () => reconcile.kick(),
    stats: () => reconcile.stats(),
  };
}
