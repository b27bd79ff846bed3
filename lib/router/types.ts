import { z } from 'zod';
import type { Key, MappedRecord } from '../connectors/types';
import type { Value } from '../mapping/values';

/**
 * The application sees records in the *target shape* (the entity's mapping applied), on both
 * sides: the connectors speak it, so a record read from the old database and one read from the
 * new database compare directly and the application code does not change at the write switch.
 */
export type RouterRecord = MappedRecord;

/** Which side a data-access call plays in a dual write: the primary is authoritative, the secondary best-effort. */
export interface WriteContext {
  role: 'primary' | 'secondary';
  /**
   * One delete's outcome, shared by its two calls: the primary's delete records the version it
   * removed (null: none), and the secondary's delete removes nothing newer, so a record a racing
   * insert wrote there survives. Absent when the primary's access does not report it.
   */
  deleted?: { removed?: Value | null };
}

/** One database's data access for one entity. get resolves to undefined for a missing key. */
export interface EntityAccess {
  get(key: Key): Promise<RouterRecord | undefined>;
  insert(record: RouterRecord, ctx: WriteContext): Promise<void>;
  update(record: RouterRecord, ctx: WriteContext): Promise<void>;
  delete(key: Key, ctx: WriteContext): Promise<void>;
}

/** An entity as the router sees it: both databases plus how a record's key is found. */
export interface EntityRoute {
  old: EntityAccess;
  new: EntityAccess;
  keyOf(record: RouterRecord): Key;
  /**
   * An old record as the new database stores it (its column types: a Date inside jsonb is text).
   * Shadow reads compare in that form, as verification does; absent, records compare as they are.
   */
  storedByNew?(record: RouterRecord): Promise<RouterRecord>;
}

export type Side = 'old' | 'new';

/** Unknown keys are stripped, so the whole RouterOptions object can be parsed for its tuning. */
export const routerTuningSchema = z.object({
  /** How often the routing state is polled; a change is in effect within one interval plus a query. */
  pollIntervalMs: z.number().int().min(10).default(250),
  /** How long createRouter waits for the first routing state before it gives up. */
  initialWaitMs: z.number().int().min(0).default(2000),
  /** How often counters, shadow mismatches and write outcomes are sent to the control store. */
  flushIntervalMs: z.number().int().min(10).default(1000),
  /** Share of reads (0-1) compared against the other database in old_shadow and percent modes. */
  shadowSampleRate: z.number().min(0).max(1).default(0.1),
  /** Shadow reads running at once; beyond it a sampled read is skipped (and counted) rather than queued. */
  maxShadowInFlight: z.number().int().min(1).default(64),
  /** Mismatching keys kept for metrics (the most recent ones). */
  mismatchSampleSize: z.number().int().min(0).default(50),
  /** A percent-mode read of the new database slower than this is answered by the old one (and counted as an error). */
  percentReadTimeoutMs: z.number().int().min(1).default(1000),
  /**
   * A secondary write slower than this is left to reconciliation and the request returns. A shadow
   * comparison that finds a difference rechecks after this long, once such a write has settled.
   */
  secondaryTimeoutMs: z.number().int().min(1).default(2000),
  /** Control-store items (shadow mismatches, write outcomes) held while the control store is unreachable. */
  outboxCapacity: z.number().int().min(1).default(10_000),
  /**
   * How long a router may write after its last successful routing poll. Past it, writes are
   * refused until the control store answers again; the workflow waits at most this long for a
   * router that stopped acknowledging routing changes.
   */
  leaseTtlMs: z.number().int().min(100).default(10_000),
  /** A write waits at most this long for the control store to record its intent; past it the request fails. */
  intentTimeoutMs: z.number().int().min(1).default(1000),
});

export type RouterTuning = z.input<typeof routerTuningSchema>;
export type ResolvedTuning = z.output<typeof routerTuningSchema>;
