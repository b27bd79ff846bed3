/** What each step does between being entered and being left; returns why it may be left. */
import { condition, patched } from '@temporalio/workflow';
import { checkConnections, checkGates } from './migration-activities';
import { cdcPreflightStep, cdcPrepareStep, finishStreamAtSwitch, gateLagSeconds, usesCdc } from './migration-cdc';
import { runEntityChildren } from './migration-children';
import { draining } from './migration-reconcile';
import { interrupt, MigrationRuntime } from './migration-runtime';
import { currentStep } from './migration-state';
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
      await checkConnections({ connections: [spec.source.connection, spec.target.connection, spec.control.connection] });
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
      return timed(timersMs.rollbackWindow, `rollback window ${spec.timers.rollbackWindow}`, draining(s));
    case 'complete':
      return { left: 'complete' };
    case 'decommission':
      await runEntityChildren(s, rt, 'verify', finalVerification(s));
      return { left: 'final verification passed; old database retired' };
  }
}

/**
 * Health gates at every gate interval. A breach rolls back one step (the last state that was
 * green) and records the figures; the main loop then waits for a human, so it never loops.
 */
function gated(s: MigrationState, rt: MigrationRuntime): SoakOptions {
  const { spec, timersMs } = s.plan!;
  return {
    everyMs: timersMs.gateInterval,
    check: async () => {
      const check = await checkGates({
        control: spec.control.connection,
        migrationId: s.migrationId,
        phase: currentStep(s)?.phase,
        routingVersion: s.routing!.version,
        gates: spec.gates,
        sync: spec.sync,
        ...gateLagSeconds(s),
      });
      s.latestGate = { ...check, at: new Date().toISOString() };
      if (check.verdict !== 'breach') return check.verdict === 'green';
      interrupt(rt, { kind: 'rollback', target: s.step - 1, by: 'health-gate', reason: `gate breach: ${check.reasons.join('; ')}` });
      // The interrupt cancelled this scope: the wait below throws and unwinds the forward run.
      await condition(() => false);
      return false;
    },
  };
}

export const FINAL_VERIFY_PATCH = 'final-verify-after-switch';

/**
 * The final verification runs while the new database is primary and the old one no longer takes
 * writes: keys written since the switch are expected to differ, and nothing may be reconciled
 * from the retiring database into the primary (it would undo newer writes and delete new rows).
 */
function finalVerification(s: MigrationState): VerifyOptions | undefined {
  if (s.switchVersion === undefined || !patched(FINAL_VERIFY_PATCH)) return undefined;
  return { writtenSince: s.switchVersion, maxReconcileRounds: 0 };
}
