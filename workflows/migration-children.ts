/**
 * The long data work of backfill and verification runs in child workflows, one per entity, so
 * the migration's own history stays small. Pause, resume and throttle reach them as signals, and
 * those in force when a child starts are in its input.
 */
import { ApplicationFailure, isCancellation, patched, startChild } from '@temporalio/workflow';
import { failureMessage } from './backfill-control';
import { backfillWorkflow } from './backfill';
import { DataControl, pauseData, setRowsPerSecond } from './child-api';
import type { MigrationRuntime } from './migration-runtime';
import type { ChildStatus, MigrationState } from './migration-types';
import { verifyWorkflow } from './verify';
import type { VerifyOptions, VerifyResult } from './verify-api';
import type { MismatchTotals } from './verify-diffs';

export type DataPhase = 'backfill' | 'verify';

/** A child started after the operator lifted the limit (throttle 0) is told so, instead of keeping the spec's rate. */
export const THROTTLE_LIFTED_PATCH = 'children-throttle-lifted';

/** A child gets the operator's pause and rate limit in its input, not only by signals after its start (child-api.ts startingControl). */
export const CHILD_START_CONTROL_PATCH = 'children-start-controlled';

/** Runs one child per entity and waits for all; a failed child, or a verification that is not clean, fails the phase. */
export async function runEntityChildren(s: MigrationState, rt: MigrationRuntime, kind: DataPhase, verifyOptions?: VerifyOptions): Promise<void> {
  const { spec } = s.plan!;
  await Promise.all(
    spec.entities.map(async ({ name: entity }) => {
      const workflowId = `${s.migrationId}--${kind}--${entity}`;
      const control = patched(CHILD_START_CONTROL_PATCH) ? controlFor(s, spec.backfill.maxRowsPerSecond) : undefined;
      const input = { migrationId: s.migrationId, spec, entity, ...(verifyOptions ? { options: verifyOptions } : {}), ...(control ? { control } : {}) };
      const options = { workflowId, args: [input] as const };
      const child = kind === 'backfill' ? await startChild(backfillWorkflow, options) : await startChild(verifyWorkflow, options);
      // Listed once started, so whoever reads the status can query the child.
      const status: ChildStatus = { workflowId, state: 'running' };
      s.entities[entity] = { ...s.entities[entity], [kind]: status };
      rt.children.set(workflowId, child);
      try {
        // A child started while paused or throttled starts the same way.
        if (!control && s.paused) await child.signal(pauseData);
        if (!control && s.rowsPerSecond !== null && (s.rowsPerSecond > 0 || patched(THROTTLE_LIFTED_PATCH)))
          await child.signal(setRowsPerSecond, s.rowsPerSecond);
        status.result = await child.result();
        status.state = 'completed';
      } catch (err) {
        status.state = isCancellation(err) ? 'cancelled' : 'failed';
        status.error = failureMessage(err);
        throw err;
      } finally {
        rt.children.delete(workflowId);
      }
      if (kind === 'verify' && !(status.result as VerifyResult).clean) {
        const r = status.result as VerifyResult;
        throw ApplicationFailure.nonRetryable(
          `${entity}: source and target differ after verification: ${differenceCounts(r.remaining.totals)}; reconcile: ${r.reconcile.outcome}; ` +
            `the keys: status.entities.${entity}.verify.result.remaining.diffs (verify workflow ${workflowId})`,
          'VerificationFailed',
        );
      }
    }),
  );
}

/**
 * Counts only: the message lands in the migration's history, state and status, where up to
 * maxListed keys (1,000 by default) would bloat every continue-as-new and spread record keys.
 */
function differenceCounts(t: MismatchTotals): string {
  const unnamed = t.unlisted ? `, ${t.unlisted} not named` : '';
  return `${t.all} ${t.all === 1 ? 'row' : 'rows'} (${t.missing} missing, ${t.extra} extra, ${t.different} different${unnamed})`;
}

/** The pause and rate limit in force: the operator's throttle (0 lifted the limit) over the spec's. */
function controlFor(s: MigrationState, specRowsPerSecond: number | undefined): DataControl {
  const rate = s.rowsPerSecond ?? specRowsPerSecond ?? 0;
  return { paused: s.paused, maxRowsPerSecond: rate > 0 ? rate : null };
}
