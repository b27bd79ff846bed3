/**
 * The backfill child workflow's public surface: its name, input, progress query and result, and
 * the data-control signals it answers. Clients and the migration workflow import this module, not
 * workflows/backfill.ts.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Key, KeyRange } from '../lib/connectors/types';
import type { MigrationSpec } from '../lib/spec/schema';
import type { DataControl, ReportClock } from './child-api';
import type { RangeCounts } from './backfill-progress';

export { pauseData, resumeData, setRowsPerSecond } from './child-api';

export const BACKFILL_WORKFLOW = 'backfillWorkflow';

export interface BackfillOptions {
  /** Aim for ranges of about this many rows (default 25,000). */
  rowsPerRange?: number;
  /** Each copy activity returns after about this long, so pause and throttle act within it (default 10 s). */
  sliceSeconds?: number;
  /** Attempts per slice before its range is reported as failed (default 8, backoff 1 s doubling to 1 min). */
  maxAttempts?: number;
  /** Continue as new after this many slices even if the server does not suggest it yet. */
  maxSlicesPerRun?: number;
}

export interface BackfillInput {
  migrationId: string;
  spec: MigrationSpec;
  entity: string;
  options?: BackfillOptions;
  /** The operator's controls when the parent started this child (absent in runs started before CHILD_START_CONTROL_PATCH). */
  control?: DataControl;
  /** Set only by continueAsNew: where the previous run stopped. */
  carried?: BackfillState;
}

export type RangeStatus = 'pending' | 'running' | 'done' | 'failed';

export interface RangeState {
  index: number;
  range: KeyRange;
  /** Resume point: the last key a finished slice wrote. */
  after?: Key;
  rows: number;
  status: RangeStatus;
  error?: string;
}

export interface BackfillState extends ReportClock {
  ranges: RangeState[];
  rowsTotal: number;
  rowsCopied: number;
  rowsWritten: number;
  rowsSkipped: number;
  rowsQuarantined: number;
  bytesCopied: number;
  /** Wall-clock time the copy ran, summed from activity reports (workflows have no clock). */
  firstStartMs?: number;
  lastFinishMs?: number;
  slices: number;
  /** Slices whose attempt resumed from an earlier attempt's heartbeat (a worker died mid-range). */
  resumedSlices: number;
  control: DataControl;
  runs: number;
}

export interface RangeFailure {
  index: number;
  from?: Key;
  to?: Key;
  /** Rows of the range copied before it failed; it resumes after `after` if retried. */
  after?: Key;
  error: string;
}

export interface BackfillProgress {
  migrationId: string;
  entity: string;
  status: 'planning' | 'copying' | 'paused' | 'done' | 'failed';
  rowsCopied: number;
  /** Exact for small tables, the statistics estimate for big ones. */
  rowsTotal: number;
  rowsPerSecond: number;
  etaSeconds: number | null;
  ranges: RangeCounts;
  maxRowsPerSecond: number | null;
  resumedSlices: number;
  failures: RangeFailure[];
  runs: number;
}

export interface BackfillResult {
  migrationId: string;
  entity: string;
  rowsCopied: number;
  rowsWritten: number;
  /** Rows the target already held at the same or a newer version (dual writes, re-runs). */
  rowsSkipped: number;
  rowsQuarantined: number;
  bytesCopied: number;
  ranges: number;
  seconds: number;
  rowsPerSecond: number;
  resumedSlices: number;
  runs: number;
}

export const backfillProgress = defineQuery<BackfillProgress>('backfillProgress');
