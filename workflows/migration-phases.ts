/** What each step does between being entered and being left; returns why it may be left. */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { checkConnections } from './migration-activities';
import { cdcPreflightStep, cdcPrepareStep, finishStreamAtSwitch, retireCdcAtComplete, usesCdc } from './migration-cdc';
import { GATE_AFTER_SWITCH_PATCH, gated } from './migration-gates';
import { runEntityChildren } from './migration-children';
import { DECOMMISSION_RETIRE_PATCH, retireAndDrop, retiredHere } from './migration-decommission';
import { draining } from './migration-reconcile';
import type { MigrationRuntime } from './migration-runtime';
import { soak, SoakOptions } from './migration-timers';
import type { Step } from './migration-steps';
import type { MigrationState } from './migration-types';
import type { VerifyOptions } from './verify-api';

/** `left` says why the step is done; null means the run must continue as new mid-step. */
export type StepOutcome = { left: string } | null;

export async function runStep(s: MigrationState, rt: MigrationRuntime, step: Step, shouldYield: () => boolean): Promise<StepOutcome> {
  const { spec, timersMs } = s.plan!;
  const timed = async (ms: number, what: string, opts: SoakOptions = {}) =>
    (await soak(s, ms, { shouldYield, ...opts })) === 'done' ? { left: `${what} done` } : null;
  switch (step.phase) {
    case 'preflight':
      await checkConnections({ connections: [spec.source.connection, spec.target.connection], control: spec.control.connection });
      if (usesCdc(s)) await cdcPreflightStep(s);
      return { left: 'connections checked' };
    case 'dual_write':
      return timed(timersMs.dualWriteSoak, `${spec.sync === 'cdc' ? 'CDC' : 'dual-write'} soak ${spec.timers.dualWriteSoak}`, draining(s));
    case 'backfill':
      if (usesCdc(s)) await cdcPrepareStep(s);
      await runEntityChildren(s, rt, 'backfill');
      return { left: `${spec.entities.length} entities copied` };
    case 'verify':
      await runEntityChildren(s, rt, 'verify');
      return { left: `${spec.entities.length} entities verified` };
    case 'shadow_read':
      return timed(timersMs.shadowReadSoak, `shadow-read soak ${spec.timers.shadowReadSoak} with gates green`, draining(s, gated(s, rt)));
    case 'read_ramp':
      return timed(timersMs.rampStepBake, `${step.percent}% bake ${spec.timers.rampStepBake} with gates green`, draining(s, gated(s, rt)));
    case 'write_switch':
      if (usesCdc(s)) await finishStreamAtSwitch(s, rt);
      return timed(
        timersMs.rollbackWindow,
        `rollback window ${spec.timers.rollbackWindow}`,
        draining(s, patched(GATE_AFTER_SWITCH_PATCH) ? gated(s, rt, { hold: true }) : {}),
      );
    case 'complete':
      if (usesCdc(s)) await retireCdcAtComplete(s);
      return { left: 'complete' };
    case 'decommission':
      // Verified already when resuming mid-retention (continue-as-new) or retrying a failed retire.
      if (!retiredHere(s)) await runFinalVerification(s, rt);
      return patched(DECOMMISSION_RETIRE_PATCH) ? retireAndDrop(s, shouldYield) : { left: 'final verification passed' };
  }
}

export const FINAL_VERIFY_PATCH = 'final-verify-after-switch';
/** Keys written since the switch are checked against the primary (it must hold them at least as new as the old database) instead of left out. */
export const FINAL_WRITTEN_PRIMARY_PATCH = 'final-verify-written-against-primary';
/** A human chose to repair the old database from the primary after a failed final verification. */
export const FINAL_REPAIR_PATCH = 'final-verify-repair-from-primary';

/**
 * A verification that is not clean leaves decommission waiting for a human with a choice (repair,
 * retry, rollback) instead of only a retry; nothing is retired until it passes.
 */
async function runFinalVerification(s: MigrationState, rt: MigrationRuntime): Promise<void> {
  const repair = s.finalRepair === true && patched(FINAL_REPAIR_PATCH);
  s.finalRepair = undefined;
  const options = finalVerification(s);
  try {
    await runEntityChildren(s, rt, 'verify', repair ? { ...options, maxReconcileRounds: 3, repairFromPrimary: true } : options);
    s.finalVerifyFailed = undefined;
  } catch (err) {
    s.finalVerifyFailed = err instanceof ApplicationFailure && err.type === 'VerificationFailed' ? true : undefined;
    throw err;
  }
}

/**
 * The final verification runs while the new database is primary and the old one no longer takes
 * writes: keys written since the switch are expected to differ, but only with the primary ahead
 * (checked against the primary); nothing may be reconciled from the retiring database into the
 * primary (it would undo newer writes and delete new rows).
 */
function finalVerification(s: MigrationState): VerifyOptions | undefined {
  if (s.switchVersion === undefined || !patched(FINAL_VERIFY_PATCH)) return undefined;
  const againstPrimary = patched(FINAL_WRITTEN_PRIMARY_PATCH) ? { writtenAgainstPrimary: true } : {};
  return { writtenSince: s.switchVersion, maxReconcileRounds: 0, ...againstPrimary };
}
