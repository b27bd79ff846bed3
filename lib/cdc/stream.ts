import type { PoolClient } from 'pg';
import { resolveConnection } from '../connectors/engines';
import { openSource, openTarget } from '../connectors';
import { pgPool } from '../connectors/clients';
import { inTransaction } from '../connectors/pg/session';
import type { EntityConnector } from '../connectors/types';
import type { MigrationSpec } from '../spec/schema';
import { ApplyCounters, applyEntityChanges, ApplyProgress, ResyncCheckpoint } from './apply';
import { collectChanges, WatchedRelation } from './changes';
import { CdcNames, cdcNames } from './names';
import { ack, peekBatch } from './peek';
import { resolveWatched } from './relations';
import { enforceRetention } from './retention';
import { readSlotState } from './slot';
import { waitUntilVisible } from './visible';

/** Another consumer (a previous attempt still finishing its batch) holds the slot. */
export class SlotBusyError extends Error {
  override readonly name = 'SlotBusyError';
}

export interface StreamState extends ApplyCounters {
  confirmedLsn: string;
  lagBytes: number;
  /** Age of the oldest change not yet applied when the last batch was read; 0 when caught up. */
  lagSeconds: number;
  retainedBytes: number;
  walStatus: string;
  transactions: number;
  /** The last batch reached the end of the WAL. */
  caughtUp: boolean;
  warnings: string[];
}

const EMPTY_COUNTERS: ApplyCounters & { transactions: number } = { upserted: 0, deleted: 0, quarantined: 0, resyncs: 0, transactions: 0 };

export interface Stream {
  names: CdcNames;
  /** One step: read a batch, apply it to the target, then acknowledge it. progress: heartbeat, with a resync's checkpoint. */
  step(maxMessages: number, progress: ApplyProgress): Promise<StreamState>;
  close(): Promise<void>;
}

export interface StreamOptions {
  /** Retained WAL above this drops the slot (lib/cdc/retention.ts); above 80 % of it, a warning. */
  maxRetainedBytes: number;
  /** Counters to continue from (a retried attempt). */
  counters?: ApplyCounters & { transactions: number };
  /** Where a previous attempt's TRUNCATE resync got to (used when the same batch comes back). */
  resume?: ResyncCheckpoint;
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
    async step(maxMessages, progress) {
      // Pinned session settings: pgoutput prints values with this session's output functions.
      const batch = await inTransaction(client, 'write', () => peekBatch(client, names, maxMessages)).catch(async (err) => {
        // A dropped or invalidated slot surfaces here first; say so plainly instead of as a driver error.
        await readSlotState(client, names.slot);
        throw err;
      });
      await waitUntilVisible(client, batch.messages);
      for (const [entity, changes] of collectChanges(batch.messages, relations, watched)) {
        const { source, target } = sidesOf(entity);
        const applied = await applyEntityChanges(source, target, changes, progress, { first: batch.firstLsn ?? '', resume: options.resume });
        counters.upserted += applied.upserted;
        counters.deleted += applied.deleted;
        counters.quarantined += applied.quarantined;
        counters.resyncs += applied.resyncs;
      }
      if (batch.ackLsn) await ack(client, names.slot, batch.ackLsn);
      counters.transactions += batch.transactions;
      const slot = await readSlotState(client, names.slot);
      const warnings = await enforceRetention(client, slot, options.maxRetainedBytes);
      return {
        ...counters,
        confirmedLsn: slot.confirmedLsn,
        lagBytes: slot.lagBytes,
        lagSeconds: batch.firstCommitTimeMs === undefined ? 0 : Math.max(0, batch.serverNowMs - batch.firstCommitTimeMs) / 1000,
        retainedBytes: slot.retainedBytes,
        walStatus: slot.walStatus,
        caughtUp: batch.messages.length < maxMessages,
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
