import { keyOfRecord } from './keys';
import type { EntityConnector } from './types';

/** How many of these items fit the byte budget (at least one), and their size. */
export function withinBudget<T>(items: T[], sizeOf: (item: T) => number, maxBytes?: number): { taken: number; bytes: number } {
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    bytes += sizeOf(items[i]);
    if (maxBytes && bytes >= maxBytes) return { taken: i + 1, bytes };
  }
  return { taken: items.length, bytes };
}

/** The identity part every connector shares. */
export function connectorIdentity(
  options: { entity: string; side: 'source' | 'target'; recordKey: string[] },
  kind: EntityConnector['kind'],
): Pick<EntityConnector, 'entity' | 'side' | 'kind' | 'keyOf'> {
  return { entity: options.entity, side: options.side, kind, keyOf: (record) => keyOfRecord(record, options.recordKey) };
}
