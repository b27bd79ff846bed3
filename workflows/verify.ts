import { allHandlersFinished, condition, continueAsNew, patched, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { SideCounts } from '../activities/verify';
import type { RowDiff } from '../activities/verify-diff';
import type { MigrationSpec } from '../lib/spec/schema';
import { failureMessage, handleDataControl, rateShare, slidingWindow } from './backfill-control';
import { startingControl } from './child-api';
import { countRanges } from './backfill-progress';
import { reportProgress } from './progress-report';
import { acts, compareDigests, compareRanges } from './verify-activities';
import type { ReconcileOutcome, VerifyInput, VerifyProgress, VerifyResult, VerifyState } from './verify-api';
import { verifyProgress } from './verify-api';
import { rangesPerChunk, rateSlots, VERIFY_SPREAD_PATCH } from './verify-chunks';
import { passCounts, VERIFY_PASS_COUNTS_PATCH } from './verify-counts';
import { DIGEST_BUCKETS, segmentRows, VERIFY_DIGESTS_PATCH } from './verify-digests';
import { groupDiffs } from './verify-diffs';

const MAX_RANGES = 20_000;

/**
 * The end counts of a verification without reconcile rounds were its start counts: under live
 * writes the report could not account for its rows. Runs begun before this patch keep that.
 */
export const VERIFY_COUNT_AT_END_PATCH = 'verify-counts-at-end';

/**
 * Verifies one entity: bucket digests per segment on both sides (one scan per side, which also
 * counts both sides' rows; runs begun before VERIFY_DIGESTS_PATCH: canonical hashes per small key
 * range; runs begun before VERIFY_PASS_COUNTS_PATCH count each side first and last), the rows of the
 * buckets or ranges that differ, a delayed recheck of every suspect (live writes close their own
 * gaps), then reconcile rounds — re-copy from the source, re-compare what differed — until clean
 * or `maxReconcileRounds`. Finding differences is a result, not a failure.
 */
export async function verifyWorkflow(input: VerifyInput): Promise<VerifyResult> {
  const { migrationId, spec, entity } = input;
  const ref = { migrationId, spec, entity };
  const opts = input.options ?? {};
  const maxRounds = opts.maxReconcileRounds ?? 3;
  const maxListed = opts.maxListed ?? 1000;
  const state: VerifyState = input.carried ?? {
    phase: 'counting',
    round: 0,
    chunks: [],
    rowsTotal: 0,
    rowsCompared: 0,
    rowsReread: 0,
    suspects: [],
    suspectCount: 0,
    differingChunks: [],
    transient: 0,
    reconciled: [],
    control: startingControl(input.control, spec.backfill.maxRowsPerSecond),
    runs: 0,
  };
  state.runs++;
  handleDataControl(state.control);
  setHandler(verifyProgress, () => progressOf(input, state));
  const report = (final = false) =>
    reportProgress(
      state,
      () => ({
        kind: 'verify',
        workflowId: workflowInfo().workflowId,
        progress: progressOf(input, state),
      }),
      final,
      spec.backfill.concurrency,
    );

  if (state.phase === 'counting') {
    state.passCounts = patched(VERIFY_PASS_COUNTS_PATCH);
    if (!state.passCounts) state.countsBefore = await acts.countSides(ref);
    state.phase = 'planning';
  }
  if (state.phase === 'planning') {
    state.digests = patched(VERIFY_DIGESTS_PATCH);
    const plan = state.digests
      ? await acts.planSegments({ ...ref, rowsPerRange: opts.rowsPerRange ?? segmentRows(state.control.maxRowsPerSecond), minRanges: 1, maxRanges: MAX_RANGES })
      : await acts.planRanges({ ...ref, rowsPerRange: opts.rowsPerRange ?? 500, minRanges: 1, maxRanges: MAX_RANGES });
    state.spread = patched(VERIFY_SPREAD_PATCH);
    const fixed = opts.rangesPerActivity ?? 100;
    const per = state.spread ? rangesPerChunk(plan.ranges.length, fixed, spec.backfill.concurrency) : fixed;
    for (let i = 0; i < plan.ranges.length; i += per) {
      state.chunks.push({ index: state.chunks.length, ranges: plan.ranges.slice(i, i + per), status: 'pending' });
    }
    state.rowsTotal = plan.rowsTotal;
    state.phase = 'comparing';
    await report();
  }

  let reconcileError: string | undefined;
  for (;;) {
    if (state.phase === 'comparing') {
      await compareChunks(input, state, maxListed, report);
      if (state.chunks.some((c) => c.status === 'pending')) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof verifyWorkflow>({ ...input, carried: state });
      }
      if (state.passCounts && state.round === 0) state.countsBefore = passCounts(state.chunks);
      state.phase = 'rechecking';
      await report();
    }
    if (state.phase === 'rechecking') {
      const confirmed = await recheck(state, { ...ref, ...afterSwitch(input) }, opts.recheckDelaySeconds ?? Math.max(1, spec.gates.maxLagSeconds));
      const mismatches = groupDiffs(confirmed, state.suspectCount - state.suspects.length);
      if (state.round === 0) {
        state.found = mismatches;
        state.suspectsFound = state.suspectCount;
      }
      state.remaining = mismatches;
      if (mismatches.totals.all === 0 || state.round >= maxRounds) break;
      state.phase = 'reconciling';
    }
    if (state.phase === 'reconciling') {
      try {
        state.reconciled.push(
          await acts.reconcileKeys({
            ...ref,
            diffs: state.remaining?.diffs ?? [],
            ...(opts.repairFromPrimary ? { fromPrimary: true } : {}),
          }),
        );
      } catch (err) {
        reconcileError = failureMessage(err);
        break;
      }
      // The next round compares again only the chunks that differed in this one.
      for (const c of state.chunks) {
        if (c.status === 'done' && state.differingChunks.includes(c.index)) c.status = 'pending';
      }
      state.differingChunks = [];
      state.suspects = [];
      state.suspectCount = 0;
      state.round++;
      state.phase = 'comparing';
    }
  }

  const countsAfter = await endCounts(state, ref);
  state.phase = 'done';
  await report(true);
  await condition(allHandlersFinished);
  const remaining = state.remaining ?? groupDiffs([], 0);
  const clean = remaining.totals.all === 0 && state.chunks.every((c) => c.status !== 'failed');
  return {
    migrationId,
    entity,
    clean,
    countsBefore: state.countsBefore ?? countsAfter,
    countsAfter,
    rowsCompared: state.rowsCompared,
    rowsReread: state.rowsReread,
    found: state.found ?? remaining,
    remaining,
    suspects: state.suspectsFound ?? state.found?.totals.all ?? 0,
    transient: state.transient,
    unconfirmed: state.unconfirmed ?? 0,
    writtenSinceSwitch: state.writtenSinceSwitch ?? 0,
    failures: state.chunks
      .filter((c) => c.status === 'failed')
      .map((c) => ({ from: c.ranges[0]?.from, to: c.ranges[c.ranges.length - 1]?.to, error: c.error ?? 'unknown error' })),
    reconcile: {
      outcome: reconcileError ? 'failed' : outcome(state, maxRounds, remaining.totals.all),
      rounds: state.reconciled.length,
      results: state.reconciled,
      ...(reconcileError ? { error: reconcileError } : {}),
    },
    runs: state.runs,
  };
}

/**
 * The counts at the end: those of each chunk's latest comparison; counted on each side when a
 * chunk failed (the comparison did not see all its rows) or in runs begun before counts came from
 * the comparison. Under live writes the counts move: runs begun before that counted at the end too.
 */
async function endCounts(state: VerifyState, ref: { migrationId: string; spec: MigrationSpec; entity: string }): Promise<SideCounts> {
  if (state.passCounts) return passCounts(state.chunks) ?? (await acts.countSides(ref));
  return state.round > 0 || patched(VERIFY_COUNT_AT_END_PATCH) ? await acts.countSides(ref) : (state.countsBefore as SideCounts);
}

function outcome(state: VerifyState, maxRounds: number, remaining: number): ReconcileOutcome {
  if (state.reconciled.length === 0) return remaining === 0 ? 'not_needed' : maxRounds === 0 ? 'disabled' : 'limit_reached';
  return remaining === 0 ? 'clean' : 'limit_reached';
}

function afterSwitch(input: VerifyInput): { writtenSince?: number; againstPrimary?: boolean } {
  const since = input.options?.writtenSince;
  if (since === undefined) return {};
  return input.options?.writtenAgainstPrimary ? { writtenSince: since, againstPrimary: true } : { writtenSince: since };
}

function progressOf(input: VerifyInput, state: VerifyState): VerifyProgress {
  return {
    migrationId: input.migrationId,
    entity: input.entity,
    phase: state.phase,
    round: state.round,
    rowsCompared: state.rowsCompared,
    rowsTotal: state.rowsTotal,
    rowsReread: state.rowsReread,
    chunks: countRanges(state.chunks),
    suspects: state.suspectCount,
    paused: state.control.paused,
    maxRowsPerSecond: state.control.maxRowsPerSecond,
  };
}

async function compareChunks(input: VerifyInput, state: VerifyState, maxListed: number, report: () => Promise<void>): Promise<void> {
  const concurrency = input.spec.backfill.concurrency;
  const rotate = () => workflowInfo().continueAsNewSuggested;
  const unfinished = () => state.chunks.filter((c) => c.status === 'pending' || c.status === 'running').length;
  await slidingWindow({
    next: () => state.chunks.find((c) => c.status === 'pending'),
    work: async (chunk) => {
      chunk.status = 'running';
      try {
        const args = {
          migrationId: input.migrationId,
          spec: input.spec,
          entity: input.entity,
          ranges: chunk.ranges,
          maxListed: Math.max(0, maxListed - state.suspects.length),
          rowsPerSecond: rateShare(state.control, state.spread ? rateSlots(concurrency, unfinished()) : concurrency),
          ...afterSwitch(input),
        };
        const r = state.digests ? await compareDigests({ ...args, buckets: input.options?.digestBuckets ?? DIGEST_BUCKETS }) : await compareRanges(args);
        state.writtenSinceSwitch = (state.writtenSinceSwitch ?? 0) + (r.exempt ?? 0);
        if (state.round === 0) state.rowsCompared += r.rowsCompared;
        state.rowsReread += r.rowsReread;
        if (state.passCounts) chunk.rows = { source: r.rowsCompared, target: r.targetRows };
        state.suspects.push(...r.suspects.slice(0, Math.max(0, maxListed - state.suspects.length)));
        state.suspectCount += r.suspectCount;
        if (r.suspectCount) state.differingChunks.push(chunk.index);
        chunk.status = 'done';
      } catch (err) {
        chunk.status = 'failed';
        chunk.error = failureMessage(err);
      }
      await report();
    },
    limit: () => concurrency,
    held: () => state.control.paused,
    stop: rotate,
  });
}

/**
 * Keys still being written when rechecked were dropped for good; they are rechecked up to
 * RECHECK_ROUNDS times, each a delay later, and only those still moving then stay unconfirmed.
 */
export const VERIFY_RECHECK_MOVING_PATCH = 'verify-recheck-moving-keys';
const RECHECK_ROUNDS = 4;

/**
 * Waits for in-flight writes to land, then keeps only the suspects that still differ with their
 * source unchanged (confirmed). Suspects whose source changed meanwhile are rechecked again later.
 */
async function recheck(
  state: VerifyState,
  ref: { migrationId: string; spec: MigrationSpec; entity: string; writtenSince?: number; againstPrimary?: boolean },
  delaySeconds: number,
): Promise<RowDiff[]> {
  if (state.suspects.length === 0) return [];
  const rounds = patched(VERIFY_RECHECK_MOVING_PATCH) ? RECHECK_ROUNDS : 1;
  const confirmed: RowDiff[] = [];
  let suspects = state.suspects;
  let moving = 0;
  for (let round = 1; ; round++) {
    await sleep(delaySeconds * 1000);
    const r = await acts.recheckKeys({ ...ref, suspects });
    state.rowsReread += r.rowsReread;
    state.writtenSinceSwitch = (state.writtenSinceSwitch ?? 0) + (r.exempt ?? 0);
    confirmed.push(...r.confirmed);
    // Results recorded before `unconfirmed` existed lack it: those runs counted it as transient.
    moving = r.unconfirmed ?? 0;
    state.transient += suspects.length - r.confirmed.length - moving - (r.exempt ?? 0);
    if (!moving || !r.moving || round >= rounds) break;
    suspects = r.moving;
  }
  state.unconfirmed = (state.unconfirmed ?? 0) + moving;
  return confirmed;
}
