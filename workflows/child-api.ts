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

/** When the child last reported its progress to its parent (workflows/progress-report.ts); carried across continueAsNew, so the throttle holds across runs. */
export interface ReportClock {
  /** When the last report went out; undefined until the first. */
  reportedAtMs?: number;
  /** Units finished since the last report (REPORT_BY_COUNT_PATCH). */
  sinceReport?: number;
}
