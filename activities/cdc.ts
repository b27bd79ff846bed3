import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  CdcRef,
  ChangeCapture,
  IdentityChange,
  LockTimeoutError,
  PageCheckpoint,
  ResyncCheckpoint,
  SlotBusyError,
  SlotLostError,
  StreamState,
} from '../lib/cdc';
import { resetStreamProgress } from '../lib/control';
import { engineFor, resolveConnection } from '../lib/connectors/engines';
import { metrics } from '../lib/metrics';
import type { MigrationSpec } from '../lib/spec/schema';
import { streamWatermark } from './cdc-watermark';
import { controlPool } from './control-pool';
import { heartbeating } from './keepalive';

export type { CdcRef };

/** The source engine's change capture; plan refuses `"sync": "cdc"` from an engine without one. */
async function captureOf(spec: MigrationSpec): Promise<ChangeCapture> {
  const engine = engineFor(resolveConnection(spec.source.connection));
  if (!engine.changeCapture) throw ApplicationFailure.nonRetryable(`${engine.product} has no change data capture; use "sync": "dual_write"`, 'CdcBlocked');
  return engine.changeCapture();
}

/** Why CDC cannot run against the source (the engine's log settings, permissions, free slots); empty when it can. */
export const cdcPreflight = heartbeating(async (ref: CdcRef): Promise<{ blockers: string[] }> => {
  return { blockers: await (await captureOf(ref.spec)).blockers(ref) };
});

export interface CdcPrepared {
  /** The stream's start: every change committed after it will be streamed. */
  start: string;
  /** Replica identities changed for CDC; pass them to cdcTeardown to put them back. */
  identityChanges: IdentityChange[];
}

/**
 * Fixes the stream's start on the source (PostgreSQL: replica identities, publication, slot;
 * MySQL: the binlog position, in the control store). Run it before the backfill starts: every
 * change the backfill might miss is then streamed. Idempotent.
 */
export const cdcPrepare = heartbeating(async (ref: CdcRef): Promise<CdcPrepared> => {
  const control = controlPool(ref.spec.control.connection);
  const prepared = await failLoudly(async () => (await captureOf(ref.spec)).prepare(ref, control));
  // A watermark of an earlier stream (before a rollback to preflight) says nothing about this one.
  await resetStreamProgress(control, ref.migrationId);
  return prepared;
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
 * The streaming loop: read a batch from the source's change stream, apply it to every entity's
 * target, acknowledge it, heartbeat the state (position, lag in bytes and seconds, counters,
 * warnings). The position (in the slot, or in the control store) moves only after the target has
 * the changes, so a retry after any crash re-delivers, never loses. Cancellation ends it with a
 * CancelledFailure.
 */
export async function cdcStream(input: CdcStreamInput): Promise<StreamState> {
  const ctx = Context.current();
  const o = { ...DEFAULTS, maxRetainedBytes: input.spec.cdc.maxRetainedWalBytes, ...input };
  const startedAt = Date.now();
  // A previous attempt's state, how much of its batch it applied, and where its TRUNCATE resync got to.
  type Details = Partial<StreamState> & { resync?: ResyncCheckpoint; applied?: PageCheckpoint };
  const { resync, applied: pages, ...previous } = (ctx.info.heartbeatDetails ?? {}) as Details;
  let last = ctx.info.heartbeatDetails ? (previous as StreamState) : undefined;
  const control = controlPool(input.spec.control.connection);
  const capture = await captureOf(input.spec);
  const stream = await failLoudly(() =>
    capture.open(input, control, { maxRetainedBytes: o.maxRetainedBytes, counters: last, resume: resync, resumePages: pages }),
  );
  const watermark = streamWatermark(control, input.migrationId);
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

/** Releases what cdcPrepare took (slot and publication, replica identities; a binlog position), on complete or abort. Idempotent. */
export const cdcTeardown = heartbeating(async (ref: CdcRef & { identityChanges?: IdentityChange[] }): Promise<{ slotDropped: boolean }> => {
  const capture = await captureOf(ref.spec);
  return failLoudly(() => capture.teardown({ ...ref, identityChanges: ref.identityChanges ?? [] }, controlPool(ref.spec.control.connection)));
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
