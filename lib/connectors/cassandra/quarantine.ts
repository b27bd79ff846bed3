import type { Client } from 'cassandra-driver';
import type { QuarantineEntry } from '../types';
import { mapConcurrently } from '../concurrent';
import { ident } from './schema';

const ready = new WeakMap<Client, Map<string, Promise<unknown>>>();

/** Quarantine entries in a switchyard_quarantine table of the target's keyspace (created on first use); idempotent per entity and key. */
export async function quarantineRows(client: Client, keyspace: string, entries: QuarantineEntry[]): Promise<number> {
  if (!entries.length) return 0;
  const table = `${ident(keyspace)}.switchyard_quarantine`;
  const perClient = ready.get(client) ?? new Map<string, Promise<unknown>>();
  ready.set(client, perClient);
  let created = perClient.get(keyspace);
  if (!created) {
    created = client.execute(
      `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, entity text, key text, reason text, document text, quarantined_at timestamp)`,
    );
    created.catch(() => perClient.delete(keyspace));
    perClient.set(keyspace, created);
  }
  await created;
  await mapConcurrently(entries, 16, (e) =>
    client.execute(
      `INSERT INTO ${table} (id, entity, key, reason, document, quarantined_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [JSON.stringify([e.entity, e.key]), e.entity, JSON.stringify(e.key), e.reason, e.document, new Date()],
      { prepare: true },
    ),
  );
  return entries.length;
}

/** Entries of one entity; a keyspace nothing was ever quarantined in has no table and holds none. */
export async function countQuarantined(client: Client, keyspace: string, entity: string): Promise<number> {
  const table = await client.execute(
    `SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = 'switchyard_quarantine'`,
    [keyspace],
    {
      prepare: true,
    },
  );
  if (!table.rowLength) return 0;
  // Filtering on a non-key column: the quarantine holds a few rows, never a table's worth.
  const rows = await client.execute(`SELECT count(*) AS n FROM ${ident(keyspace)}.switchyard_quarantine WHERE entity = ? ALLOW FILTERING`, [entity], {
    prepare: true,
  });
  return Number(rows.first().get('n'));
}
