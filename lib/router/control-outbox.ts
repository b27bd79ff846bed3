import type { Pool } from 'pg';
import { enqueueReconcile, recordWrittenKeys, ReconcileItem } from '../control';
import { keyText } from '../connectors/keys';
import type { Key } from '../connectors/types';
import { redactSecrets } from '../redact';
import { outbox } from './outbox';
import type { Side } from './types';

interface WrittenKey {
  entity: string;
  version: number;
  key: Key;
}

/**
 * What a router owes the control store besides counters: keys to reconcile (sent at once, and
 * again on every flush while the control store is away) and the keys written while the new
 * database is primary (batched per flush, for copying back on a rollback past the write switch).
 */
export function controlOutbox(control: Pool, migrationId: string, capacity: number) {
  const reconcile = outbox<ReconcileItem>(capacity, async (items) => {
    for (const item of items) await enqueueReconcile(control, item);
  });
  const written = outbox<WrittenKey>(capacity, async (items) => {
    for (const group of groupBy(items, (i) => `${i.version}\u0000${i.entity}`)) {
      await recordWrittenKeys(control, migrationId, group[0].entity, group[0].version, group.map((i) => i.key));
    }
  });
  return {
    queueReconcile(entity: string, key: Key, target: Side, reason: string) {
      reconcile.add(`${entity}\u0000${target}\u0000${keyText(key)}`, { migrationId, entity, key, target, reason: redactSecrets(reason) });
      void reconcile.kick();
    },
    recordWritten: (entity: string, version: number, key: Key) => written.add(`${entity}\u0000${keyText(key)}`, { entity, version, key }),
    flush: () => Promise.all([reconcile.kick(), written.kick()]),
    stats: () => ({ reconcileQueue: reconcile.stats(), writtenKeys: written.stats() }),
  };
}

function groupBy<T>(items: T[], by: (item: T) => string): T[][] {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(by(item), [...(out.get(by(item)) ?? []), item]);
  return [...out.values()];
}
