import type { ClientBase } from 'pg';
import { formatLsn, parseLsn } from './lsn';
import { decodePgOutput, PgOutputMessage } from './pgoutput';
import type { CdcNames } from './names';
import { SlotLostError } from './slot';

/** What a batch read from the slot (without consuming it) held; its messages went to the page callback. */
export interface Batch {
  /** pgoutput messages read. */
  messages: number;
  /** LSN of the first message: names the batch (a retry peeks the same one until it is acknowledged). */
  firstLsn?: string;
  /** Commits in the batch. Decoding emits whole transactions, so a batch never ends inside one. */
  transactions: number;
  /** Commit time of the first transaction: the oldest change not yet applied. */
  firstCommitTimeMs?: number;
  /**
   * Where to acknowledge once the batch is applied: the end of its last commit or, when the batch
   * reached the end of the WAL, the flush position read before it if that is a safe place to stop
   * (see safeFlush); that also moves the slot past WAL of unpublished tables, so an idle migration
   * retains nothing.
   */
  ackLsn?: string;
  /** The server's clock when the batch was read (lag in seconds is measured on one clock). */
  serverNowMs: number;
}

/** Messages fetched from the server at a time: the most the stream holds decoded at once. */
export const PAGE_MESSAGES = 1000;

/**
 * Receives the batch's messages in order, a page at a time; the next page is fetched once it
 * resolves. `firstLsn` names the batch (Batch.firstLsn).
 */
export type PageHandler = (messages: PgOutputMessage[], firstLsn: string) => Promise<void>;

/**
 * Reads up to about maxMessages pgoutput messages after the slot's confirmed position and hands
 * them to `onPage` in pages. Peeking leaves the slot where it is: a crash before ack() delivers
 * the same changes again. The peek stops only at the end of a transaction, so one transaction of
 * millions of rows is one batch; a cursor over it keeps the result on the server (which spills it
 * to disk past work_mem) and brings it over pageMessages rows at a time. Must run inside a
 * transaction on `client` (the cursor lives until its end).
 */
export async function peekBatch(client: ClientBase, names: CdcNames, maxMessages: number, onPage: PageHandler, pageMessages = PAGE_MESSAGES): Promise<Batch> {
  const {
    rows: [clock],
  } = await client.query<{ flush: string; insert: string; now_ms: number }>(
    `select pg_current_wal_flush_lsn()::text as flush, pg_current_wal_insert_lsn()::text as insert, extract(epoch from clock_timestamp()) * 1000 as now_ms`,
  );
  await client.query(
    `declare switchyard_peek no scroll cursor for
       select lsn::text, data from pg_logical_slot_peek_binary_changes($1, null, $2, 'proto_version', '1', 'publication_names', $3)`,
    [names.slot, maxMessages, names.publication],
  );
  const batch: Batch = { messages: 0, transactions: 0, serverNowMs: Number(clock.now_ms) };
  let lastCommit: bigint | undefined;
  for (;;) {
    const { rows } = await client.query<{ lsn: string; data: Buffer }>(`fetch ${pageMessages} from switchyard_peek`);
    if (!rows.length) break;
    batch.firstLsn ??= rows[0].lsn;
    batch.messages += rows.length;
    const messages = rows.map((r) => decodePgOutput(r.data));
    for (const m of messages) {
      if (m.tag === 'begin') batch.firstCommitTimeMs ??= m.commitTimeMs;
      if (m.tag === 'commit') {
        batch.transactions++;
        lastCommit = parseLsn(m.endLsn);
      }
    }
    await onPage(messages, batch.firstLsn);
    if (rows.length < pageMessages) break;
  }
  await client.query('close switchyard_peek');
  const flush = safeFlush(clock.flush, clock.insert);
  const reachedEnd = batch.messages < maxMessages;
  const ack = reachedEnd && flush !== undefined && (lastCommit === undefined || flush > lastCommit) ? flush : lastCommit;
  if (ack !== undefined) batch.ackLsn = formatLsn(ack);
  return batch;
}

/**
 * The flush position, when nothing straddles it. The flush position can fall inside a record whose
 * tail is not flushed yet; if that record is a commit, the peek cannot decode it, and acknowledging
 * the flush position would make decoding skip that transaction for good (a transaction whose commit
 * record starts before the confirmed position counts as already delivered): a lost change, seen in
 * the CDC benchmark at paced rates. When the insert position (always the end of a reserved record)
 * equals it, every record before it is complete. Otherwise no position past the last commit is
 * known to be safe this time; a later idle peek will find one.
 */
function safeFlush(flush: string, insert: string): bigint | undefined {
  const at = parseLsn(flush);
  return at === parseLsn(insert) ? at : undefined;
}

/**
 * Moves the slot's confirmed position to lsn, only ever forward: called after the target holds
 * every change before lsn, so the server may recycle that WAL and will not deliver it again.
 */
export async function ack(client: ClientBase, slot: string, lsn: string): Promise<void> {
  const { rowCount } = await client.query(
    `select pg_replication_slot_advance(slot_name, greatest($2::pg_lsn, confirmed_flush_lsn)) from pg_replication_slots where slot_name = $1`,
    [slot, lsn],
  );
  if (!rowCount) throw new SlotLostError(`replication slot ${slot} was dropped while the stream was applying changes; restart the migration from the backfill`);
}
