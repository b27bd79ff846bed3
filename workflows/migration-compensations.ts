/**
 * Rollback as a saga (samples-typescript/saga): each step entered is undone in reverse order,
 * in a scope that cannot be cancelled, so a rollback always finishes what it started.
 */
import { CancellationScope } from '@temporalio/workflow';
import { copyBackWrittenKeys } from './migration-activities';
import { cdcTeardownStep, resumeStreamingAfterUndo, usesCdc } from './migration-cdc';
import type { ControlRequest } from './migration-runtime';
import { publishStep } from './migration-routing';
import { record, steps } from './migration-state';
import { Step, stepLabel } from './migration-steps';
import type { MigrationState } from './migration-types';

/** The data half of undoing a step; the routing half is publishing the step before it. */
async function undoData(s: MigrationState, step: Step): Promise<void> {
  // While the new database was primary the old one may have missed writes: copy them back first.
  if ((step.phase === 'write_switch' || step.phase === 'complete') && s.switchVersion !== undefined) {
    await copyBackWrittenKeys({ migrationId: s.migrationId, spec: s.plan!.spec, sinceVersion: s.switchVersion, phase: step.phase });
  }
}

export async function rollBack(s: MigrationState, req: ControlRequest): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    const all = steps(s);
    s.rollingBack = true;
    s.pendingApproval = null;
    s.failure = undefined;
    s.finalVerifyFailed = undefined;
    s.soakLeftMs = undefined;
    record(s, req.kind === 'abort' ? 'abort' : `rollback to ${stepLabel(all[req.target])}`, req.by, req.reason);
    for (let i = s.step; i > req.target; i--) {
      await undoData(s, all[i]);
      await publishStep(s, i - 1, req.by, `undo ${stepLabel(all[i])}: ${req.reason}`);
    }
    const beforeSwitch = s.step < all.findIndex((x) => x.phase === 'write_switch');
    if (beforeSwitch) s.switchVersion = undefined;
    resumeStreamingAfterUndo(s, beforeSwitch);
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
