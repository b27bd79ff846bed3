import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { copyRangeSliceStub, planRanges } from './backfill-activities';
import type { BackfillInput, BackfillProgress, BackfillResult, BackfillState, RangeFailure, RangeState } from './backfill-api';
import { backfillProgress } from './backfill-api';
import { failureMessage, handleDataControl, rateShare, slidingWindow } from './backfill-control';
import { startingControl } from './child-api';
import { countRanges, throughput } from './backfill-progress';
import { reportProgress } from './progress-report';

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
    control: startingControl(input.control, spec.backfill.maxRowsPerSecond),
    runs: 0,
  };
  state.runs++;
  let planned = input.carried !== undefined;
  const concurrency = spec.backfill.concurrency;

  handleDataControl(state.control);
  setHandler(backfillProgress, () => progress(input, state, planned));
  const report = (final = false) =>
    reportProgress(
      state,
      () => ({
        kind: 'backfill',
        workflowId: workflowInfo().workflowId,
        progress: progress(input, state, planned),
      }),
      final,
      spec.backfill.concurrency,
    );

  const copyRangeSlice = copyRangeSliceStub((opts.sliceSeconds ?? DEFAULT_SLICE_SECONDS) * 6 + 60, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);

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
  const rotate = () => workflowInfo().continueAsNewSuggested || (opts.maxSlicesPerRun !== undefined && slicesThisRun >= opts.maxSlicesPerRun);

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
    // Counts, the first error and where the rest are: every range's key bounds (and a driver message quoting keys) would
    // otherwise land in this history, the migration's state and status, once per failed range.
    throw ApplicationFailure.create({
      type: 'BackfillRangesFailed',
      nonRetryable: true,
      message:
        `backfill of entity ${entity} (migration ${migrationId}): ${failures.length} of ${state.ranges.length} ranges failed after retries, ` +
        `${state.rowsCopied} rows copied; first: range #${failures[0].index}: ${failures[0].error}; ` +
        `every failed range: the backfillProgress query's failures (backfill workflow ${workflowInfo().workflowId})`,
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
