import type { EntityConnector, Key } from '../../lib/connectors/types';

/** Every key of a side in the order its pages list them (small pages, so the keyset cursor is crossed often). */
export async function keysInOrder(side: EntityConnector, pageSize = 5): Promise<Key[]> {
  const keys: Key[] = [];
  let after;
  do {
    const page = await side.readRange({ after, limit: pageSize });
    keys.push(...page.records.map((r) => side.keyOf(r)));
    after = page.lastKey;
  } while (after);
  return keys;
}

/** Text in the order of its UTF-8 bytes: PostgreSQL COLLATE "C", MongoDB, and switchyard's MySQL reads. */
export const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
