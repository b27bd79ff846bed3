import { z } from 'zod';
import { durationSchema } from './duration';

/**
 * The operational half of a spec: how the migration workflow walks the phases. Everything has a
 * production-safe default, so a spec may omit the whole section.
 */
export const PHASES = ['preflight', 'dual_write', 'backfill', 'verify', 'shadow_read', 'read_ramp', 'write_switch', 'complete', 'decommission'] as const;
export const phaseSchema = z.enum(PHASES);
export type Phase = z.infer<typeof phaseSchema>;

/** Phases a human must approve before they are entered. */
export const APPROVABLE_PHASES = ['backfill', 'verify', 'shadow_read', 'read_ramp', 'write_switch', 'complete', 'decommission'] as const;

export const timersSchema = z
  .strictObject({
    /** Soak after dual writes (or CDC) start, before the backfill. */
    dualWriteSoak: durationSchema.default('10m'),
    /** Shadow reads run at least this long before the ramp. */
    shadowReadSoak: durationSchema.default('1h'),
    /** Bake time at each read-ramp step. */
    rampStepBake: durationSchema.default('30m'),
    /** After the write switch, how long rollback to the old primary stays possible before complete. */
    rollbackWindow: durationSchema.default('24h'),
    /** How often health gates read the application-reported counters. */
    gateInterval: durationSchema.default('30s'),
    /**
     * A gated soak that has run its time but still lacks minSamples asks a human after this long,
     * instead of soaking forever (default 2h; optional so specs and plans written before it stay valid).
     */
    maxSampleWait: durationSchema.optional(),
    /**
     * Decommission keeps the old tables or collections retired (renamed) this long, during which a
     * rollback restores them; only after it may a human approve dropping them (default 7d).
     */
    retention: durationSchema.optional(),
  })
  .prefault({});

export const rampSchema = z
  .array(z.number().int().min(1).max(100))
  .min(1)
  .refine((steps) => steps.every((p, i) => i === 0 || p > steps[i - 1]), 'steps must increase')
  .refine((steps) => steps[steps.length - 1] === 100, 'the last step must be 100')
  .default([1, 5, 25, 50, 100]);

export const gatesSchema = z
  .strictObject({
    /** Shadow-read mismatches / comparisons above this fails the gate. */
    maxMismatchRate: z.number().min(0).max(1).default(0.001),
    /** New-database errors / operations above this fails the gate. */
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    /** CDC lag above this blocks verify, shadow reads and the write switch, and fails the gate. */
    maxLagSeconds: z.number().min(0).default(5),
    /** Too few comparisons say nothing; below this a gate interval is inconclusive, not green. */
    minSamples: z.number().int().min(0).default(100),
    /** Gate intervals the gates look back over, so a late failure is not diluted by a long green history (default 10). */
    windowIntervals: z.number().int().min(1).optional(),
  })
  .prefault({});

export const approvalsSchema = z.array(z.enum(APPROVABLE_PHASES)).default(['write_switch', 'complete', 'decommission']);

export const cdcOptionsSchema = z
  .strictObject({
    /** WAL the replication slot may hold back: above it the slot is dropped and the sync fails (80 % warns), so the source's disk never fills. */
    maxRetainedWalBytes: z
      .number()
      .int()
      .positive()
      .default(1024 ** 3),
    /** How long ALTER TABLE … REPLICA IDENTITY waits for its lock (queries of the table queue behind it meanwhile). */
    lockTimeout: durationSchema.default('5s'),
  })
  .prefault({});

/** Dual writes from the application (router) or change data capture from the source's log (PostgreSQL, MySQL). */
export const syncSchema = z.enum(['dual_write', 'cdc']);
export type Sync = z.infer<typeof syncSchema>;

export const lifecycleFields = {
  sync: syncSchema.default('dual_write'),
  /** Options of sync "cdc". */
  cdc: cdcOptionsSchema,
  timers: timersSchema,
  ramp: rampSchema,
  gates: gatesSchema,
  /** Phases that wait for a human approval before they start. */
  approvals: approvalsSchema,
};

export type Timers = z.infer<typeof timersSchema>;
export type Gates = z.infer<typeof gatesSchema>;
