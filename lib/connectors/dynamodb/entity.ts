import { BatchGetItemCommand, DescribeTableCommand, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import type { ResolvedConnection } from '../../connections';
import type { Row } from '../../mapping/entity';
import { FidelityError } from '../../mapping/errors';
import { mapConcurrently } from '../concurrent';
import { keyInRange } from '../key-order';
import { orderedHash, orderedPage, UnorderedScan } from '../scan-order';
import { fromKeyPart, keyOfRecord, keyText, toKeyPart } from '../keys';
import { streamingDigests } from '../digest';
import { connectorIdentity } from '../page';
import { quarantineEntry } from '../quarantine-entry';
import type { EntityConnector, FetchResult, Key, KeyRange, MappedRecord, QuarantineEntry, ReadRequest, ReadResult } from '../types';
import { dynamoClient } from './client';
import { decodeItem, decodeValue, encodeItem, encodeValue, Item, itemSize, MAX_ITEM_BYTES } from './codec';
import { countQuarantined, quarantineItems } from './quarantine';
import { dropRetiredTable, restoreTable, retireTable } from './retire';
import { untilProcessed } from './retry';
import { parallelScan } from './scan';
import { TOMBSTONE } from './tombstone';
import { deleteItem, ItemGuard, putItem, putUnguarded, TableContext } from './write';
import { parseDynamoUrl } from './url';

export interface DynamoEntityOptions {
  entity: string;
  side: 'source' | 'target';
  conn: ResolvedConnection;
  table: string;
  /** The table's key attributes: partition key, then sort key if any. */
  key: string[];
  /** Key fields of the mapped record (same values, position by position). */
  recordKey: string[];
  version?: string;
  toRecord(row: Row): MappedRecord;
  fromRecord(record: MappedRecord): Row;
  quarantined<T>(row: Record<string, T>): Record<string, T>;
}

/** Conditional writes, deletes and key reads in flight at once per call. */
const POINT_CONCURRENCY = 16;
const GET_BATCH = 100;

/**
 * One entity in a DynamoDB table (docs/types.md, "DynamoDB"). DynamoDB reads no key range in
 * order (a scan comes in hash order), so verification summarizes it in one parallel scan
 * (scanRange, bucket digests); readRange and hashRange filter and sort a scan in memory, for the
 * few ranges a diff or a copy-back reads.
 */
export function dynamoEntity(options: DynamoEntityOptions): EntityConnector & { scanRange: typeof scanRange } {
  if (options.key.length < 1 || options.key.length > 2)
    throw new Error(`entity ${options.entity}: a DynamoDB table has a partition key and at most one sort key, not ${options.key.length} key fields`);
  const client = dynamoClient(options.conn);
  const { segments } = parseDynamoUrl(options.conn.url);
  const table: TableContext = { client, table: options.table, keyAttributes: options.key, version: options.version };

  const keyItem = (key: Key): Item => {
    if (key.length !== options.key.length)
      throw new Error(`key ${keyText(key)} has ${key.length} parts, ${options.entity} has ${options.key.length} key fields`);
    return Object.fromEntries(options.key.map((f, i) => [f, encodeValue(f, fromKeyPart(key[i]))]));
  };
  const storedKeyOf = (item: Item): Key => options.key.map((f) => toKeyPart(decodeValue(item[f])));

  const toRecords = (items: Item[]): FetchResult => {
    const records: MappedRecord[] = [];
    const rejected: QuarantineEntry[] = [];
    for (const item of items) {
      const row = decodeItem(item);
      try {
        records.push(options.toRecord(row));
      } catch (err) {
        if (!(err instanceof FidelityError)) throw err;
        rejected.push(quarantineEntry(options.entity, storedKeyOf(item), err.message, options.quarantined(row)));
      }
    }
    return { records, rejected };
  };

  /** Every live item of the range, in scan order, a page at a time: one full parallel scan. */
  async function scanRange(range: KeyRange & { after?: Key }, each: (batch: FetchResult) => void): Promise<void> {
    const open = !range.from && !range.to && !range.after;
    await parallelScan(client, { table: options.table, segments }, (items) =>
      each(toRecords(open ? items : items.filter((i) => keyInRange(storedKeyOf(i), range)))),
    );
  }

  async function readRange(request: ReadRequest): Promise<ReadResult> {
    const scan: UnorderedScan<Item> = (each) => parallelScan(client, { table: options.table, segments }, each);
    const page = await orderedPage(scan, storedKeyOf, request);
    return { ...toRecords(page.items), bytes: page.items.reduce((s, i) => s + itemSize(i), 0), lastKey: page.lastKey };
  }

  const reject = (rejected: QuarantineEntry[], record: MappedRecord, reason: string) =>
    rejected.push(quarantineEntry(options.entity, keyOfRecord(record, options.recordKey), reason, record));

  return {
    ...connectorIdentity(options, 'dynamodb'),
    scanRange,
    readRange,
    // One range: a DynamoDB table has no key order to cut (its scan segments split it instead).
    splitRanges: async () => [{}],
    hashRange: (range) => orderedHash(scanRange, (r) => keyOfRecord(r, options.recordKey), range),
    ...streamingDigests(scanRange, (r) => keyOfRecord(r, options.recordKey)),
    async fetchByKeys(keys) {
      const items: Item[] = [];
      const unique = [...new Map(keys.map((k) => [keyText(k), k])).values()];
      for (let i = 0; i < unique.length; i += GET_BATCH) {
        const request: Record<string, KeysAndAttributes> = { [options.table]: { Keys: unique.slice(i, i + GET_BATCH).map(keyItem), ConsistentRead: true } };
        await untilProcessed(options.table, 'batch get', request, async (RequestItems) => {
          const out = await client.send(new BatchGetItemCommand({ RequestItems }));
          items.push(...((out.Responses?.[options.table] ?? []) as Item[]));
          return out.UnprocessedKeys && Object.keys(out.UnprocessedKeys).length ? out.UnprocessedKeys : undefined;
        });
      }
      const position = new Map(keys.map((k, i) => [keyText(k), i]));
      const live = items.filter((i) => !i[TOMBSTONE]);
      live.sort((a, b) => (position.get(keyText(storedKeyOf(a))) ?? 0) - (position.get(keyText(storedKeyOf(b))) ?? 0));
      return toRecords(live);
    },
    async writeBatch(records, opts) {
      const rejected: QuarantineEntry[] = [];
      const encoded: Array<{ record: MappedRecord; item: Item }> = [];
      for (const record of records) {
        try {
          const item = encodeItem(options.fromRecord(record));
          const size = itemSize(item);
          if (size > MAX_ITEM_BYTES) reject(rejected, record, `the item is ${size} bytes; DynamoDB holds at most ${MAX_ITEM_BYTES} bytes (400 KB) per item`);
          else encoded.push({ record, item });
        } catch (err) {
          if (!(err instanceof FidelityError)) throw err;
          reject(rejected, record, err.message);
        }
      }
      let written = 0;
      let skipped = 0;
      const refused = (record: MappedRecord, err: unknown) => {
        if (!(err instanceof Error && err.name === 'ValidationException')) throw err;
        reject(rejected, record, `the server refused the item: ${err.message}`);
      };
      const guarded = opts?.versionGuard ?? true;
      // Writes of one key run in batch order (the guard then keeps the newest); different keys concurrently.
      const byKey = new Map<string, typeof encoded>();
      for (const e of encoded) {
        const k = keyText(keyOfRecord(e.record, options.recordKey));
        byKey.set(k, [...(byKey.get(k) ?? []), e]);
      }
      const putEach = async (group: typeof encoded, guard: ItemGuard) => {
        for (const e of group) {
          try {
            if ((await putItem(table, e.item, guard)) === 'written') written++;
            else skipped++;
          } catch (err) {
            refused(e.record, err);
          }
        }
      };
      if (guarded) {
        await mapConcurrently([...byKey.values()], POINT_CONCURRENCY, (group) =>
          putEach(group, { versionGuard: true, existingOnly: opts?.existingOnly, replaceEqual: opts?.replaceEqual }),
        );
      } else {
        // Unguarded, the batch is the truth: the last record of a key wins, tombstones included.
        const last = [...byKey.values()].map((g) => g[g.length - 1]);
        try {
          await putUnguarded(
            table,
            last.map((e) => e.item),
          );
          written += last.length;
        } catch (err) {
          if (!(err instanceof Error && err.name === 'ValidationException')) throw err;
          // One item the server refuses fails its whole request: item by item, the rest are written.
          await mapConcurrently(last, POINT_CONCURRENCY, (e) => putEach([e], { versionGuard: false }));
        }
      }
      if (rejected.length) await quarantineItems(client, rejected);
      return { written, skipped, quarantined: rejected.length };
    },
    async storedForm(records) {
      return records.map((record) => {
        try {
          return options.toRecord(decodeItem(encodeItem(options.fromRecord(record))));
        } catch (err) {
          if (!(err instanceof FidelityError)) throw err;
          return record;
        }
      });
    },
    quarantine: (entries) => quarantineItems(client, entries),
    quarantined: () => countQuarantined(client, options.entity),
    async deleteKeys(keys, opts) {
      const upTo = opts?.upTo === undefined || opts.upTo === null ? opts?.upTo : encodeValue(options.version ?? 'version', opts.upTo);
      const results = await mapConcurrently(keys, POINT_CONCURRENCY, (key) => deleteItem(table, keyItem(key), upTo));
      const removed = results.filter((r) => r.removed !== undefined);
      return {
        deleted: removed.length,
        kept: keys.filter((_, i) => results[i].kept),
        ...(removed.length === 1 && options.version ? { removedVersion: removed[0].removed } : {}),
      };
    },
    async count(range) {
      let n = 0;
      const open = !range?.from && !range?.to;
      await parallelScan(client, { table: options.table, segments, attributes: options.key }, (items) => {
        n += open ? items.length : items.filter((i) => keyInRange(storedKeyOf(i), range!)).length;
      });
      return n;
    },
    async estimate() {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: options.table }));
      return Table?.ItemCount ?? 0;
    },
    retire: (tag) => retireTable(client, options.table, tag),
    restore: (tag) => restoreTable(client, options.table, tag),
    drop: (tag) => dropRetiredTable(client, options.table, tag),
  };
}
