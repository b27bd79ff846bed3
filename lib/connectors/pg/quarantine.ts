import type { Pool, PoolClient } from 'pg';
import type { QuarantineEntry } from '../types';

/**
 * Records that cannot be stored faithfully land here, in the target database, with the reason
 * and the whole source document, so nothing is silently dropped and an operator can fix and replay.
 */
const CREATE = `create table if not exists switchyard_quarantine (
  entity text not null,
  key jsonb not null,
  reason text not null,
  document jsonb not null,
  quarantined_at timestamptz not null default now(),
  primary key (entity, key))`;

export async function quarantineRows(client: PoolClient, entries: QuarantineEntry[]): Promise<number> {
  if (!entries.length) return 0;
  await ensureTable(client);
  const { rowCount } = await client.query(
    `insert into switchyard_quarantine (entity, key, reason, document)
     select e.entity, e.key, e.reason, e.document::jsonb
       from json_to_recordset($1::json) as e(entity text, key jsonb, reason text, document text)
     on conflict (entity, key) do update set reason = excluded.reason, document = excluded.document, quarantined_at = now()`,
    [JSON.stringify(entries)],
  );
  return rowCount ?? 0;
}

/** Entries of one entity; a database nothing was ever quarantined in has no table and holds none. */
export async function countQuarantined(db: Pool, entity: string): Promise<number> {
  // Two statements: a query naming a missing table fails when it is planned, whatever a CASE around it says.
  const { rows: table } = await db.query(`select to_regclass('switchyard_quarantine') is not null as found`);
  if (!table[0].found) return 0;
  const { rows } = await db.query('select count(*)::int as n from switchyard_quarantine where entity = $1', [entity]);
  return rows[0].n as number;
}

async function ensureTable(client: PoolClient): Promise<void> {
  try {
    await client.query(CREATE);
  } catch (err) {
    // Two workers creating it at once: one wins, the other sees a duplicate type; the table exists.
    if ((err as { code?: string }).code !== '23505') throw err;
  }
}
