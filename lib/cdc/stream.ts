import type { PoolClient } from 'pg';
import { resolveConnection } from '../connectors/engines';
import { openSource, openTarget } from '../connectors';
import { pgPool } from '../connectors/clients';
import { inTransaction } from '../connectors/pg/session';
import type { EntityConnector } from '../connectors/types';
import type { MigrationSpec } from '../spec/schema';
import { addCounters, ApplyCounters, applyEntityChanges, ApplyProgress, PageCheckpoint, ResyncCheckpoint } from './apply';
import { collectChanges, EntityChanges, WatchedRelation } from './changes';
import { CdcNames, cdcNames } from './names';
import { ack, peekBatch } from './peek';
import type { PgOutputMessage } from './pgoutput';
import { resolveWatched } from './relations';
import { enforceRetention } from './retention';
import { readSlotState } from './slot';
import { waitUntilVisible } from './visible';

/** Another consumer (a previous attempt still finishing its batch) holds the slot. */
export class SlotBusyError extends Error {
  override readonly name = 'SlotBusyError';
}

export interface StreamState extends ApplyCounters {
  /** Everything before it is applied: the slot's confirmed LSN, a binlog file:offset. */
  position: string;
  lagBytes: number;
  /** Age of the oldest change not yet applied when the last batch was read; 0 when caught up. */
  lagSeconds: number;
  /** Log the source keeps for the stream (WAL retained by the slot); 0 where the source keeps it regardless. */
  retainedBytes: number;
  transactions: number;
  /** The last batch reached the end of the WAL. */
  caughtUp: boolean;
  warnings: string[];
}

/** A stream's totals before its first batch. */
export const EMPTY_COUNTERS: ApplyCounters & { transactions: number } = { upserted: 0, deleted: 0, quarantined: 0, resyncs: 0, transactions: 0 };

export interface Stream {
  names: CdcNames;
  /**
   * One step: read a batch, apply it to the target, then acknowledge it. progress: heartbeat, with
   * a resync's checkpoint; applied: after each page, how much of the batch is applied.
   */
  step(maxMessages: number, progress: ApplyProgress, applied?: (checkpoint: PageCheckpoint) => void): Promise<StreamState>;
  close(): Promise<void>;
}

export interface StreamOptions {
  /** Retained WAL above this drops the slot (lib/cdc/retention.ts); above 80 % of it, a warning. */
  maxRetainedBytes: number;
  /** Counters to continue from (a retried attempt). */
  counters?: ApplyCounters & { transactions: number };
  /** Where a previous attempt's TRUNCATE resync got to (used when the same batch comes back). */
  resume?: ResyncCheckpoint;
  /** How much of its batch a previous attempt applied (skipped when the same batch comes back). */
  resumePages?: PageCheckpoint;
}

/**
 * Opens the migration's stream on a dedicated source session. A session-level advisory lock makes
 * the stream the slot's only consumer: a retried attempt waits (retryably) until a previous one
 * has let go, so two attempts never apply interleaved re-reads.
 */
export async function openStream(migrationId: string, spec: MigrationSpec, options: StreamOptions): Promise<Stream> {
  const names = cdcNames(migrationId);
  const client = await pgPool(resolveConnection(spec.source.connection)).connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(`select pg_try_advisory_lock(hashtextextended('switchyard.cdc:' || $1, 0)) as locked`, [
      names.slot,
    ]);
    if (!rows[0].locked) throw new SlotBusyError(`replication slot ${names.slot} is being consumed by another stream (a previous attempt still finishing)`);
    // Also before any work: a stream that keeps failing to apply must not keep the slot growing.
    await enforceRetention(client, await readSlotState(client, names.slot), options.maxRetainedBytes);
    const watched = await resolveWatched(client, spec);
    return streamOn(client, names, spec, watched, options);
  } catch (err) {
    client.release(true);
    throw err;
  }
}

function streamOn(client: PoolClient, names: CdcNames, spec: MigrationSpec, watched: Map<number, WatchedRelation>, options: StreamOptions): Stream {
  const relations = new Map<number, string[]>();
  const sides = new Map<string, { source: EntityConnector; target: EntityConnector }>();
  const sidesOf = (entity: string) => {
    if (!sides.has(entity)) sides.set(entity, { source: openSource(spec, entity), target: openTarget(spec, entity) });
    return sides.get(entity)!;
  };
  const counters = { ...EMPTY_COUNTERS, ...options.counters };

  return {
    names,
    async step(maxMessages, progress, applied = () => undefined) {
      const apply = async (entity: string, changes: EntityChanges, first: string) => {
        const { source, target } = sidesOf(entity);
        addCounters(counters, await applyEntityChanges(source, target, changes, progress, { first, resume: options.resume }));
      };
      // Entities truncated in this batch are resynchronised once all of it is read (every
      // transaction in it then visible), so the copy covers their later changes in the batch too.
      const truncated = new Set<string>();
      let read = 0;
      const applyPage = async (messages: PgOutputMessage[], first: string) => {
        read += messages.length;
        // Pages come back the same for the same batch, so a previous attempt's count ends on a page boundary.
        const skip = options.resumePages?.batch === first && read <= options.resumePages.messages;
        // Collected even when skipped: relations and truncations carry on to the pages after.
        const collected = collectChanges(messages, relations, watched);
        if (!skip) await waitUntilVisible(client, messages);
        for (const [entity, changes] of collected) {
          if (changes.truncated) truncated.add(entity);
          if (!skip && !truncated.has(entity)) await apply(entity, changes, first);
        }
        if (!skip) applied({ batch: first, messages: read });
      };
      // Pinned session settings: pgoutput prints values with this session's output functions.
      const batch = await inTransaction(client, 'write', () => peekBatch(client, names, maxMessages, applyPage)).catch(async (err) => {
        // A dropped or invalidated slot surfaces here first; say so plainly instead of as a driver error.
        await readSlotState(client, names.slot);
        throw err;
      });
      for (const entity of truncated) await apply(entity, { keys: new Map(), truncated: true }, batch.firstLsn ?? '');
      if (batch.ackLsn) await ack(client, names.slot, batch.ackLsn);
      counters.transactions += batch.transactions;
      const slot = await readSlotState(client, names.slot);
      const warnings = await enforceRetention(client, slot, options.maxRetainedBytes);
      return {
        ...counters,
        position: slot.confirmedLsn,
        lagBytes: slot.lagBytes,
        lagSeconds: batch.firstCommitTimeMs === undefined ? 0 : Math.max(0, batch.serverNowMs - batch.firstCommitTimeMs) / 1000,
        retainedBytes: slot.retainedBytes,
        caughtUp: batch.messages < maxMessages,
        warnings,
      };
    },
    async close() {
      // Unlock explicitly (a retry may open at once), then destroy the session: no state stays in the pool.
      await client.query('select pg_advisory_unlock_all()').catch(() => undefined);
      client.release(true);
    },
  };
}
