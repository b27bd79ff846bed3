import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as copyActivities from '../activities/copy';
import type * as planActivities from '../activities/plan';
import type { Key, KeyRange } from '../lib/connectors/types';
import type { MigrationSpec } from '../lib/spec/schema';
import { DataControl, failureMessage, handleDataControl, rateShare, slidingWindow } from './backfill-control';
import { RangeCounts, countRanges, throughput } from './backfill-progress';
import { ReportClock, reportProgress } from './progress-report';

export { pauseData, resumeData, setRowsPerSecond } from './backfill-control';

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

const { planRanges } = proxyActivities<typeof planActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

const DEFAULT_ROWS_PER_RANGE = 25_000;
const DEFAULT_SLICE_SECONDS = 10;
const DEFAULT_MAX_ATTEMPTS = 8;
const MAX_RANGES = 2000;

/**
 * Copies one entity from source to target: splits the key space into ranges and copies them in a
 * sliding window of `spec.backfill.concurrency` copy activities, each a bounded slice that resumes
 * from its heartbeat on retry. Fails naming every range that kept failing, after copying the rest.
 */
export async function backfillWorkflow(input: BackfillInput): Promise<BackfillResult> {
  const { migrationId, spec, entity } = input;
  const opts = input.options ?? {};
  const state: BackfillState = input.carried ?? {
    ranges: [],
    rowsTotal: 0,
    rowsCopied: 0,
    rowsWritten: 0,
    rowsSkipped: 0,
    rowsQuarantined: 0,
    bytesCopied: 0,
    slices: 0,
    resumedSlices: 0,
    control: { paused: false, maxRowsPerSecond: spec.backfill.maxRowsPerSecond || null },
    runs: 0,
  };
  state.runs++;
  let planned = input.carried !== undefined;
  const concurrency = spec.backfill.concurrency;

  handleDataControl(state.control);
  setHandler(backfillProgress, () => progress(input, state, planned));
  const report = (final = false) => reportProgress(state, () => ({
    kind: 'backfill', workflowId: workflowInfo().workflowId, progress: progress(input, state, planned),
  }), final, spec.backfill.concurrency);

  const { copyRangeSlice } = proxyActivities<typeof copyActivities>({
    startToCloseTimeout: `${(opts.sliceSeconds ?? DEFAULT_SLICE_SECONDS) * 6 + 60}s`,
    // A killed worker's slice is retried elsewhere once this passes without a heartbeat.
    heartbeatTimeout: '15s',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      maximumAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    },
  });

  if (!planned) {
    const plan = await planRanges({
      migrationId,
      spec,
      entity,
      rowsPerRange: opts.rowsPerRange ?? DEFAULT_ROWS_PER_RANGE,
      minRanges: concurrency,
      maxRanges: MAX_RANGES,
    });
    state.rowsTotal = plan.rowsTotal;
    state.ranges = plan.ranges.map((range, index) => ({ index, range, rows: 0, status: 'pending' }));
    planned = true;
    await report();
  }

  let slicesThisRun = 0;
  const rotate = () =>
    workflowInfo().continueAsNewSuggested || (opts.maxSlicesPerRun !== undefined && slicesThisRun >= opts.maxSlicesPerRun);

  const copyRange = async (r: RangeState): Promise<void> => {
    r.status = 'running';
    try {
      // Each slice boundary is a safe point: pause and continue-as-new hand the range back there.
      while (!state.control.paused && !rotate()) {
        slicesThisRun++;
        const s = await copyRangeSlice({
          migrationId,
          spec,
          entity,
          range: r.range,
          after: r.after,
          rowsPerSecond: rateShare(state.control, concurrency),
          sliceMs: (opts.sliceSeconds ?? DEFAULT_SLICE_SECONDS) * 1000,
        });
        state.slices++;
        if (s.resumedAfter) state.resumedSlices++;
        r.rows += s.rows;
        state.rowsCopied += s.rows;
        state.rowsWritten += s.written;
        state.rowsSkipped += s.skipped;
        state.rowsQuarantined += s.quarantined;
        state.bytesCopied += s.bytes;
        state.firstStartMs = Math.min(state.firstStartMs ?? s.startedAtMs, s.startedAtMs);
        state.lastFinishMs = Math.max(state.lastFinishMs ?? s.finishedAtMs, s.finishedAtMs);
        if (s.lastKey) r.after = s.lastKey;
        await report();
        if (s.done) {
          r.status = 'done';
          return;
        }
      }
      r.status = 'pending';
    } catch (err) {
      r.status = 'failed';
      r.error = failureMessage(err);
    }
  };

  await slidingWindow({
    next: () => state.ranges.find((r) => r.status === 'pending'),
    work: copyRange,
    limit: () => concurrency,
    held: () => state.control.paused,
    stop: rotate,
  });

  if (state.ranges.some((r) => r.status === 'pending')) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof backfillWorkflow>({ ...input, carried: state });
  }
  await report(true);
  await condition(allHandlersFinished);

  const failures = rangeFailures(state);
  if (failures.length) {
    throw ApplicationFailure.create({
      type: 'BackfillRangesFailed',
      nonRetryable: true,
      message: `backfill of entity ${entity} (migration ${migrationId}): ${failures.length} of ${state.ranges.length} ranges failed after retries, ${state.rowsCopied} rows copied: ${failures
        .map((f) => `range #${f.index} [${JSON.stringify(f.from ?? null)}, ${JSON.stringify(f.to ?? null)}): ${f.error}`)
        .join('; ')}`,
      details: [failures],
    });
  }
  const { seconds, rowsPerSecond } = throughput(state);
  return {
    migrationId,
    entity,
    rowsCopied: state.rowsCopied,
    rowsWritten: state.rowsWritten,
    rowsSkipped: state.rowsSkipped,
    rowsQuarantined: state.rowsQuarantined,
    bytesCopied: state.bytesCopied,
    ranges: state.ranges.length,
    seconds,
    rowsPerSecond,
    resumedSlices: state.resumedSlices,
    runs: state.runs,
  };
}

function rangeFailures(state: BackfillState): RangeFailure[] {
  return state.ranges
    .filter((r) => r.status === 'failed')
    .map((r) => ({ index: r.index, from: r.range.from, to: r.range.to, after: r.after, error: r.error ?? 'unknown error' }));
}

function progress(input: BackfillInput, state: BackfillState, planned: boolean): BackfillProgress {
  const ranges = countRanges(state.ranges);
  const { rowsPerSecond } = throughput(state);
  const remaining = Math.max(0, state.rowsTotal - state.rowsCopied);
  const finished = planned && ranges.pending === 0 && ranges.running === 0;
  return {
    migrationId: input.migrationId,
    entity: input.entity,
    status: !planned ? 'planning' : finished ? (ranges.failed ? 'failed' : 'done') : state.control.paused ? 'paused' : 'copying',
    rowsCopied: state.rowsCopied,
    rowsTotal: state.rowsTotal,
    rowsPerSecond,
    etaSeconds: finished ? 0 : rowsPerSecond > 0 ? Math.round(remaining / rowsPerSecond) : null,
    ranges,
    maxRowsPerSecond: state.control.maxRowsPerSecond,
    resumedSlices: state.resumedSlices,
    failures: rangeFailures(state),
    runs: state.runs,
  };
}
