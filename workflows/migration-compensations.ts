/**
 * Rollback as a saga (samples-typescript/saga): each step entered is undone in reverse order,
 * in a scope that cannot be cancelled, so a rollback always finishes what it started.
 */
import { CancellationScope, patched } from '@temporalio/workflow';
import { copyBackWrittenKeys } from './migration-activities';
import { copyBack, COPY_BACK_BOUNDED_PATCH } from './migration-copy-back';
import { cdcTeardownStep, resumeStreamingAfterUndo, usesCdc } from './migration-cdc';
import { restoreRetired } from './migration-decommission';
import type { ControlRequest, MigrationRuntime } from './migration-runtime';
import { runRollbackHooks } from './migration-hooks';
import { publishStep } from './migration-routing';
import { record, steps } from './migration-state';
import { Step, stepLabel } from './migration-steps';
import type { MigrationState } from './migration-types';

/**
 * The data half of undoing a step; the routing half is publishing the step before it. Returns
 * whether the keys written since the switch were queued instead of copied (then a further undo
 * in the same rollback does not try again).
 */
async function undoData(s: MigrationState, rt: MigrationRuntime, step: Step, by: string, queued: boolean): Promise<boolean> {
  if (step.phase === 'decommission') {
    await restoreRetired(s, by);
    return queued;
  }
  // While the new database was primary the old one may have missed writes: copy them back first.
  if ((step.phase !== 'write_switch' && step.phase !== 'complete') || s.switchVersion === undefined) return queued;
  if (patched(COPY_BACK_BOUNDED_PATCH)) return queued || copyBack(s, rt, step.phase, by);
  await copyBackWrittenKeys({ migrationId: s.migrationId, spec: s.plan!.spec, sinceVersion: s.switchVersion, phase: step.phase });
  return queued;
}

export async function rollBack(s: MigrationState, req: ControlRequest, rt: MigrationRuntime): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    const all = steps(s);
    s.rollingBack = true;
    s.pendingApproval = null;
    s.failure = undefined;
    s.finalVerifyFailed = undefined;
    s.soakLeftMs = undefined;
    record(s, req.kind === 'abort' ? 'abort' : `rollback to ${stepLabel(all[req.target])}`, req.by, req.reason);
    let queued = false;
    const left = all[s.step];
    for (let i = s.step; i > req.target; i--) {
      queued = await undoData(s, rt, all[i], req.by, queued);
      await publishStep(s, i - 1, req.by, `undo ${stepLabel(all[i])}: ${req.reason}`);
    }
    const beforeSwitch = s.step < all.findIndex((x) => x.phase === 'write_switch');
    if (beforeSwitch) s.switchVersion = undefined;
    resumeStreamingAfterUndo(s, beforeSwitch);
    await runRollbackHooks(s, left, all[req.target], req.by, req.reason);
    // Back at preflight (or aborted) the slot would only retain WAL: a resumed run prepares a new one.
    if (s.cdc && (req.kind === 'abort' || all[req.target].phase === 'preflight') && usesCdc(s)) await cdcTeardownStep(s);
    s.nextStep = req.target + 1;
    s.forceApproval = true;
    s.rollingBack = false;
    if (req.kind === 'abort') {
      s.terminal = 'aborted';
      record(s, 'aborted', req.by, req.reason);
    }
  });
}
