import type { ClientBase } from 'pg';
import { quoteIdent, quoteQualified } from '../sql/identifiers';
import type { CdcNames } from './names';

const DUPLICATE_OBJECT = '42710';
const UNDEFINED_OBJECT = '42704';

/** The slot is gone or invalidated: changes may have been lost, so the migration must stop. */
export class SlotLostError extends Error {
  override readonly name = 'SlotLostError';
}

/**
 * Publishes the tables and creates the logical slot, in that order: pgoutput looks the publication
 * up with the catalog as of each change, so a publication created after the slot would not cover
 * the changes in between. Idempotent: an existing publication gets exactly these tables, an
 * existing slot is kept with its position. Returns the slot's confirmed position (the first LSN the
 * stream will deliver after): every commit after it reaches the target, so the backfill may start.
 */
export async function ensurePublicationAndSlot(client: ClientBase, names: CdcNames, tables: string[]): Promise<string> {
  const list = [...new Set(tables)].map(quoteQualified).join(', ');
  try {
    await client.query(`create publication ${quoteIdent(names.publication)} for table ${list}`);
  } catch (err) {
    if ((err as { code?: string }).code !== DUPLICATE_OBJECT) throw err;
    await client.query(`alter publication ${quoteIdent(names.publication)} set table ${list}`);
  }
  const existing = await slotPosition(client, names.slot);
  if (existing) return existing;
  try {
    // Waits for transactions running now to finish: the slot's snapshot must be consistent.
    const { rows } = await client.query<{ lsn: string }>(`select lsn::text from pg_create_logical_replication_slot($1, 'pgoutput')`, [names.slot]);
    return rows[0].lsn;
  } catch (err) {
    if ((err as { code?: string }).code !== DUPLICATE_OBJECT) throw err;
    return (await slotPosition(client, names.slot))!;
  }
}

async function slotPosition(client: ClientBase, slot: string): Promise<string | undefined> {
  const { rows } = await client.query<{ lsn: string; plugin: string; same_db: boolean }>(
    `select confirmed_flush_lsn::text as lsn, plugin, database = current_database() as same_db from pg_replication_slots where slot_name = $1`,
    [slot],
  );
  if (!rows.length) return undefined;
  const r = rows[0];
  if (r.plugin !== 'pgoutput' || !r.same_db) {
    throw new Error(`replication slot ${slot} exists but is not a pgoutput slot of this database (plugin ${r.plugin}); drop it or pick another migration id`);
  }
  return r.lsn;
}

/** Drops the slot, then the publication; both may already be gone. A slot a live stream still holds fails (retry after it stops). */
export async function dropPublicationAndSlot(client: ClientBase, names: CdcNames): Promise<{ slotDropped: boolean }> {
  let slotDropped = false;
  try {
    const { rowCount } = await client.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1', [names.slot]);
    slotDropped = (rowCount ?? 0) > 0;
  } catch (err) {
    if ((err as { code?: string }).code !== UNDEFINED_OBJECT) throw err;
  }
  await client.query(`drop publication if exists ${quoteIdent(names.publication)}`);
  return { slotDropped };
}

export interface SlotState {
  slot: string;
  /** Everything committed before this has been applied to the target. */
  confirmedLsn: string;
  /** WAL the server has written past confirmedLsn: bytes of lag (changes to unpublished tables count too). */
  lagBytes: number;
  /** WAL the slot keeps from being recycled. */
  retainedBytes: number;
  /** reserved, extended, unreserved (about to be lost) or lost. */
  walStatus: string;
  active: boolean;
}

/** The slot's state; a missing or lost slot is a SlotLostError, never a silent restart from scratch. */
export async function readSlotState(client: ClientBase, slot: string): Promise<SlotState> {
  const { rows } = await client.query<{ confirmed: string | null; lag: string | null; retained: string | null; wal_status: string | null; active: boolean }>(
    `select confirmed_flush_lsn::text as confirmed, (pg_current_wal_lsn() - confirmed_flush_lsn)::text as lag,
            (pg_current_wal_lsn() - restart_lsn)::text as retained, wal_status, active
       from pg_replication_slots where slot_name = $1 and database = current_database()`,
    [slot],
  );
  if (!rows.length)
    throw new SlotLostError(
      `replication slot ${slot} does not exist: it was dropped, so changes since the backfill may be missing; restart the migration from the backfill`,
    );
  const r = rows[0];
  if (r.wal_status === 'lost' || r.confirmed === null) {
    throw new SlotLostError(
      `replication slot ${slot} is invalidated (wal_status ${r.wal_status ?? 'unknown'}): the server removed WAL it had not delivered (max_slot_wal_keep_size); restart the migration from the backfill`,
    );
  }
  return {
    slot,
    confirmedLsn: r.confirmed,
    lagBytes: Number(r.lag ?? 0),
    retainedBytes: Number(r.retained ?? 0),
    walStatus: r.wal_status ?? 'unknown',
    active: r.active,
  };
}
