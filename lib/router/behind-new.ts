import { keyText } from '../connectors/keys';
import type { Key } from '../connectors/types';

/**
 * Keys whose last write missed the new database (its secondary write failed and the key went to
 * the reconcile queue). Until a later write reaches the new database, it holds an older version
 * of them: a percent read served from it would hand the application stale data, and the
 * application's next read-modify-write would write that stale data back as the newest version.
 * So percent reads of these keys go to the old database. Only this router's own failures are
 * known here; the workflow drains the queue before the new database becomes primary. At most
 * `capacity` keys are held (the oldest is forgotten first), so an outage cannot exhaust memory.
 */
export function behindNew(capacity: number) {
  const keys = new Set<string>();
  const id = (entity: string, key: Key) => `${entity}\u0000${keyText(key)}`;
  return {
    mark(entity: string, key: Key) {
      const k = id(entity, key);
      keys.delete(k);
      keys.add(k);
      if (keys.size > capacity) keys.delete(keys.values().next().value as string);
    },
    clear: (entity: string, key: Key) => keys.delete(id(entity, key)),
    has: (entity: string, key: Key) => keys.has(id(entity, key)),
    size: () => keys.size,
  };
}
