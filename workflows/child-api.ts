/**
 * What the backfill and verify children have in common in their contracts: the operator controls
 * the migration workflow forwards to whichever child is running (so both children answer to the
 * same signal names), and the state both carry across continueAsNew.
 */
import { defineSignal } from '@temporalio/workflow';

export const pauseData = defineSignal('pauseData');
export const resumeData = defineSignal('resumeData');
/** Rows per second for the whole entity; null or 0 lifts the limit. */
export const setRowsPerSecond = defineSignal<[number | null]>('setRowsPerSecond');

export interface DataControl {
  paused: boolean;
  maxRowsPerSecond: number | null;
}

/**
 * The controls in force when the parent starts a child, in its input (CHILD_START_CONTROL_PATCH):
 * a signal sent after the start may arrive after the child's first decisions, and verification
 * sizes its segments by the rate limit when it plans them.
 */
export function startingControl(given: DataControl | undefined, specRowsPerSecond: number | undefined): DataControl {
  return given ?? { paused: false, maxRowsPerSecond: specRowsPerSecond || null };
}

/** When the child last reported its progress to its parent (workflows/progress-report.ts); carried across continueAsNew, so the throttle holds across runs. */
export interface ReportClock {
  /** When the last report went out; undefined until the first. */
  reportedAtMs?: number;
  /** Units finished since the last report (REPORT_BY_COUNT_PATCH). */
  sinceReport?: number;
}
