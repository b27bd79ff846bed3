import {
  AttributeValue,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Value } from '../../mapping/values';
import { decodeValue, Item } from './codec';
import { untilProcessed, withThrottleRetry } from './retry';
import { TOMBSTONE } from './tombstone';

export interface TableContext {
  client: DynamoDBClient;
  table: string;
  /** Partition key, then sort key if any. */
  keyAttributes: string[];
  /** The version attribute; tombstones exist only when there is one. */
  version?: string;
}

export type PutOutcome = 'written' | 'skipped';

/** WriteOptions as one item's put takes them. */
export type ItemGuard = { versionGuard: boolean; existingOnly?: boolean; replaceEqual?: boolean };

/**
 * One item written under the version guard (docs/phases.md, "Version guard"), in one conditional
 * PutItem: inserted if the key is absent, or replacing an older version, a versionless item or a
 * tombstone of an older version; a newer or equal version (or tombstone) stays and the write is
 * skipped. `existingOnly` replaces a live older item and never inserts. Without a version field
 * the guard inserts only; without the guard the item replaces whatever is stored.
 */
export async function putItem(t: TableContext, item: Item, guard: ItemGuard): Promise<PutOutcome> {
  const condition = guard.versionGuard ? guardCondition(t, item, guard) : { expression: undefined };
  if (condition === 'skip') return 'skipped';
  try {
    await withThrottleRetry(t.table, 'conditional put', () =>
      t.client.send(
        new PutItemCommand({
          TableName: t.table,
          Item: item,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: condition.names,
          ExpressionAttributeValues: condition.values,
        }),
      ),
    );
    return 'written';
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return 'skipped';
    throw err;
  }
}

interface Condition {
  expression?: string;
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

function guardCondition(t: TableContext, item: Item, { existingOnly, replaceEqual }: ItemGuard): Condition | 'skip' {
  const names: Record<string, string> = { '#k': t.keyAttributes[0] };
  const version = t.version ? item[t.version] : undefined;
  // Nothing to compare: an unversioned entity, or a record without a version, is inserted only.
  if (!t.version || !version || version.NULL) return existingOnly ? 'skip' : { expression: 'attribute_not_exists(#k)', names };
  names['#v'] = t.version;
  // DynamoDB refuses a name the expression does not use.
  if (replaceEqual || existingOnly) names['#tomb'] = TOMBSTONE;
  const values = { ':v': version, ':null': { S: 'NULL' } };
  // An equal version replaces a live item only (replaceEqual): a tombstone of it still refuses the write.
  const equal = replaceEqual ? ' OR (#v = :v AND attribute_not_exists(#tomb))' : '';
  const older = `(attribute_not_exists(#v) OR attribute_type(#v, :null) OR #v < :v${equal})`;
  if (!existingOnly) return { expression: `attribute_not_exists(#k) OR ${older}`, names, values };
  return { expression: `attribute_exists(#k) AND attribute_not_exists(#tomb) AND ${older}`, names, values };
}

/** Unguarded writes in BatchWriteItem requests of 25, what DynamoDB leaves unprocessed sent again after a backoff. */
export async function putUnguarded(t: TableContext, items: Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    const requests = { [t.table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
    await untilProcessed(t.table, 'batch write', requests, async (RequestItems) => {
      const out = await t.client.send(new BatchWriteItemCommand({ RequestItems }));
      return out.UnprocessedItems && Object.keys(out.UnprocessedItems).length ? (out.UnprocessedItems as typeof RequestItems) : undefined;
    });
  }
}

export interface ItemDelete {
  removed?: Value;
  kept: boolean;
}

/**
 * Deletes one key (DeleteOptions). Unversioned: the item goes. Versioned, the item becomes a
 * tombstone: without `upTo`, at the version it held (written only if it still holds it, else read
 * again); with `upTo`, at `upTo`, replacing only a version at most `upTo`; a newer live item is
 * kept and reported. `upTo: null` removes nothing and reports whether a live item is there.
 */
export async function deleteItem(t: TableContext, key: Item, upTo: AttributeValue | null | undefined): Promise<ItemDelete> {
  if (!t.version) {
    const out = await withThrottleRetry(t.table, 'delete', () =>
      t.client.send(new DeleteItemCommand({ TableName: t.table, Key: key, ReturnValues: 'ALL_OLD' })),
    );
    return { kept: false, ...(out.Attributes ? { removed: null } : {}) };
  }
  const names = { '#k': t.keyAttributes[0], '#v': t.version, '#tomb': TOMBSTONE };
  if (upTo === null) return { kept: (await liveItem(t, key)) !== undefined };
  if (upTo !== undefined) {
    try {
      const out = await withThrottleRetry(t.table, 'delete', () =>
        t.client.send(
          new PutItemCommand({
            TableName: t.table,
            Item: tombstoneItem(t, key, upTo),
            ConditionExpression: 'attribute_not_exists(#k) OR attribute_not_exists(#v) OR attribute_type(#v, :null) OR #v <= :v',
            ExpressionAttributeNames: { '#k': names['#k'], '#v': names['#v'] },
            ExpressionAttributeValues: { ':v': upTo, ':null': { S: 'NULL' } },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      const old = out.Attributes;
      return { kept: false, ...(old && !old[TOMBSTONE] ? { removed: decodeValue(old[t.version] ?? { NULL: true }) } : {}) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // A newer version is there: a live item is kept; a newer tombstone already covers this delete.
      return { kept: (await liveItem(t, key)) !== undefined };
    }
  }
  for (;;) {
    const stored = await liveItem(t, key);
    if (!stored) return { kept: false };
    const held = stored[t.version];
    const sameVersion = held && !held.NULL ? '#v = :v' : '(attribute_not_exists(#v) OR attribute_type(#v, :null))';
    try {
      await withThrottleRetry(t.table, 'delete', () =>
        t.client.send(
          new PutItemCommand({
            TableName: t.table,
            Item: tombstoneItem(t, key, held ?? { NULL: true }),
            ConditionExpression: `attribute_exists(#k) AND attribute_not_exists(#tomb) AND ${sameVersion}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: held && !held.NULL ? { ':v': held } : { ':null': { S: 'NULL' } },
          }),
        ),
      );
      return { kept: false, removed: decodeValue(held ?? { NULL: true }) };
    } catch (err) {
      // A concurrent write moved the item on: read it again.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}

function tombstoneItem(t: TableContext, key: Item, version: AttributeValue): Item {
  return { ...key, [t.version!]: version, [TOMBSTONE]: { BOOL: true } };
}

/** The stored item of a key, unless absent or a tombstone (a strongly consistent read). */
export async function liveItem(t: TableContext, key: Item): Promise<Item | undefined> {
  const out = await withThrottleRetry(t.table, 'get', () => t.client.send(new GetItemCommand({ TableName: t.table, Key: key, ConsistentRead: true })));
  const item = out.Item as Item | undefined;
  return item && !item[TOMBSTONE] ? item : undefined;
}
