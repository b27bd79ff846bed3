import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  cdcBlockers,
  cdcNames,
  dropPublicationAndSlot,
  ensurePublicationAndSlot,
  ensureReplicaIdentity,
  IdentityChange,
  LockTimeoutError,
  openStream,
  PageCheckpoint,
  ResyncCheckpoint,
  restoreReplicaIdentity,
  SlotBusyError,
  SlotLostError,
  StreamState,
  watchedTables,
} from '../lib/cdc';
import { resetStreamProgress } from '../lib/control';
import { metrics } from '../lib/metrics';
import type { MigrationSpec } from '../lib/spec/schema';
import { withSourceClient } from './cdc-source';
import { streamWatermark } from './cdc-watermark';
import { controlPool } from './control-pool';
import { heartbeating } from './keepalive';

export interface CdcRef {
  migrationId: string;
  spec: MigrationSpec;
}

/** Why CDC cannot run against the source (wal_level, replication permission, free slots, table ownership); empty when it can. */
export const cdcPreflight = heartbeating(async (ref: CdcRef): Promise<{ blockers: string[] }> => {
  const tables = watchedTables(ref.spec).map((t) => t.table);
  return { blockers: await withSourceClient(ref.spec, (c) => cdcBlockers(c, tables, cdcNames(ref.migrationId).slot)) };
});

export interface CdcPrepared {
  slot: string;
  publication: string;
  /** The slot's position: every change committed after it will be streamed. */
  startLsn: string;
  /** Replica identities changed for CDC; pass them to cdcTeardown to put them back. */
  identityChanges: IdentityChange[];
}

/**
 * Sets replica identities, publishes the entity tables and creates the slot. Run it before the
 * backfill starts: the slot then holds every change the backfill might miss. Idempotent.
 */
export const cdcPrepare = heartbeating(async (ref: CdcRef): Promise<CdcPrepared> => {
  const names = cdcNames(ref.migrationId);
  const tables = watchedTables(ref.spec);
  return withSourceClient(ref.spec, async (client) => {
    const identityChanges = await failLoudly(() => ensureReplicaIdentity(client, tables, ref.spec.cdc.lockTimeout));
    const startLsn = await ensurePublicationAndSlot(
      client,
      names,
      tables.map((t) => t.table),
    );
    // A watermark of an earlier stream (before a rollback to preflight) says nothing about this slot.
    await resetStreamProgress(controlPool(ref.spec.control.connection), ref.migrationId);
    return { ...names, startLsn, identityChanges };
  });
});

export interface CdcStreamInput extends CdcRef {
  /** pgoutput messages per batch (whole transactions, so a batch can be larger). */
  batchMessages?: number;
  /** Pause between polls once caught up. */
  idleMs?: number;
  /** Retained WAL above this drops the slot and fails as CdcSlotLost (80 % of it warns); default spec.cdc.maxRetainedWalBytes. */
  maxRetainedBytes?: number;
  /** Return after about this long (the workflow loops, reading lag from the result); absent: until cancelled. */
  sliceMs?: number;
  /** Return as soon as a batch reaches the end of the WAL (drain before a phase change, tests). */
  untilCaughtUp?: boolean;
}

const DEFAULTS = { batchMessages: 5000, idleMs: 500 };

/**
 * The streaming loop: read a batch from the slot, apply it to every entity's target, acknowledge
 * it, heartbeat the state (position, lag in bytes and seconds, counters, warnings). The position
 * lives in the slot itself, acknowledged only after the target has the changes, so a retry after
 * any crash re-delivers, never loses. Cancellation ends it with a CancelledFailure.
 */
export async function cdcStream(input: CdcStreamInput): Promise<StreamState> {
  const ctx = Context.current();
  const o = { ...DEFAULTS, maxRetainedBytes: input.spec.cdc.maxRetainedWalBytes, ...input };
  const startedAt = Date.now();
  // A previous attempt's state, how much of its batch it applied, and where its TRUNCATE resync got to.
  type Details = Partial<StreamState> & { resync?: ResyncCheckpoint; applied?: PageCheckpoint };
  const { resync, applied: pages, ...previous } = (ctx.info.heartbeatDetails ?? {}) as Details;
  let last = ctx.info.heartbeatDetails ? (previous as StreamState) : undefined;
  const stream = await failLoudly(() =>
    openStream(input.migrationId, input.spec, { maxRetainedBytes: o.maxRetainedBytes, counters: last, resume: resync, resumePages: pages }),
  );
  const watermark = streamWatermark(controlPool(input.spec.control.connection), input.migrationId);
  try {
    await watermark.start();
    for (;;) {
      let applied: PageCheckpoint | undefined;
      const state = await failLoudly(() =>
        stream.step(
          o.batchMessages,
          (checkpoint) => ctx.heartbeat({ ...last, applied, resync: checkpoint }),
          (checkpoint) => ctx.heartbeat({ ...last, applied: (applied = checkpoint) }),
        ),
      );
      await watermark.applied(state.caughtUp);
      last = state;
      ctx.heartbeat(state);
      metrics.lagSeconds.set({ migration_id: input.migrationId }, state.lagSeconds);
      metrics.lagBytes.set({ migration_id: input.migrationId }, state.lagBytes);
      if (input.untilCaughtUp && state.caughtUp) return state;
      if (input.sliceMs !== undefined && Date.now() - startedAt >= input.sliceMs) return state;
      // Rejects with CancelledFailure once the workflow cancels (delivered through heartbeats).
      await ctx.sleep(state.caughtUp ? o.idleMs : 0);
    }
  } finally {
    await stream.close();
  }
}

/** Drops the slot and publication and restores replica identities, on complete or abort. Idempotent. */
export const cdcTeardown = heartbeating(async (ref: CdcRef & { identityChanges?: IdentityChange[] }): Promise<{ slotDropped: boolean }> => {
  return withSourceClient(ref.spec, async (client) => {
    const dropped = await dropPublicationAndSlot(client, cdcNames(ref.migrationId));
    await failLoudly(() => restoreReplicaIdentity(client, ref.identityChanges ?? [], ref.spec.cdc.lockTimeout));
    return dropped;
  });
});

/**
 * A lost slot stops the migration (no retry can bring the missed changes back); a busy one is
 * retried. A lock timeout is not retried automatically: each attempt stalls the table's queries
 * for up to cdc.lockTimeout, so a human retries the step once the blocking transaction is gone.
 */
async function failLoudly<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SlotLostError) throw ApplicationFailure.create({ message: err.message, type: 'CdcSlotLost', nonRetryable: true });
    if (err instanceof SlotBusyError) throw ApplicationFailure.create({ message: err.message, type: 'CdcSlotBusy' });
    if (err instanceof LockTimeoutError) throw ApplicationFailure.create({ message: err.message, type: 'CdcLockTimeout', nonRetryable: true });
    throw err;
  }
}
