import { BatchWriteItemCommand, DynamoDBClient, paginateScan, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { QuarantineEntry } from '../types';
import { createTableInput, ensureTable } from './table';
import { untilProcessed } from './retry';
import type { Item } from './codec';

const TABLE = 'switchyard_quarantine';
/** The quarantined document itself may be what exceeded 400 KB: it is kept up to this many characters. */
const MAX_DOCUMENT_CHARS = 300_000;
const ready = new WeakMap<DynamoDBClient, Promise<void>>();

/** Creates the switchyard_quarantine table unless this client has seen it ACTIVE (preflight proves writing there). */
export async function ensureQuarantineTable(client: DynamoDBClient): Promise<string> {
  let table = ready.get(client);
  if (!table) ready.set(client, (table = ensureTable(client, createTableInput(TABLE, { name: 'id', type: 'S' }))));
  try {
    await table;
  } catch (err) {
    ready.delete(client);
    throw err;
  }
  return TABLE;
}

/** Quarantine entries in a switchyard_quarantine table beside the target's (created on first use); idempotent per entity and key. */
export async function quarantineItems(client: DynamoDBClient, entries: QuarantineEntry[]): Promise<number> {
  if (!entries.length) return 0;
  await ensureQuarantineTable(client);
  const byId = new Map<string, Item>();
  for (const e of entries) {
    const id = JSON.stringify([e.entity, e.key]);
    const document =
      e.document.length > MAX_DOCUMENT_CHARS ? `${e.document.slice(0, MAX_DOCUMENT_CHARS)}… (truncated from ${e.document.length} characters)` : e.document;
    byId.set(id, {
      id: { S: id },
      entity: { S: e.entity },
      key: { S: JSON.stringify(e.key) },
      reason: { S: e.reason },
      document: { S: document },
      quarantinedAt: { S: new Date().toISOString() },
    });
  }
  const items = [...byId.values()];
  for (let i = 0; i < items.length; i += 25) {
    const requests = { [TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) };
    await untilProcessed(TABLE, 'quarantine write', requests, async (RequestItems) => {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems }));
      return out.UnprocessedItems && Object.keys(out.UnprocessedItems).length ? (out.UnprocessedItems as typeof RequestItems) : undefined;
    });
  }
  return entries.length;
}

/** Entries of one entity; a table nothing was ever quarantined beside has none. A scan: the quarantine is small by nature. */
export async function countQuarantined(client: DynamoDBClient, entity: string): Promise<number> {
  let n = 0;
  try {
    const pages = paginateScan(
      { client },
      {
        TableName: TABLE,
        Select: 'COUNT',
        FilterExpression: '#e = :e',
        ExpressionAttributeNames: { '#e': 'entity' },
        ExpressionAttributeValues: { ':e': { S: entity } },
      },
    );
    for await (const page of pages) n += page.Count ?? 0;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return 0;
    throw err;
  }
  return n;
}
