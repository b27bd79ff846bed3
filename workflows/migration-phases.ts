/** What each step does between being entered and being left; returns why it may be left. */
import { condition } from '@temporalio/workflow';
import { checkConnections, checkGates } from './migration-activities';
import { runEntityChildren } from './migration-children';
import { interrupt, MigrationRuntime } from './migration-runtime';
import { soak, SoakOptions } from './migration-timers';
import type { Step } from './migration-steps';
import type { MigrationState } from './migration-types';

/** `left` says why the step is done; null means the run must continue as new mid-step. */
export type StepOutcome = { left: string } | null;

export async function runStep(s: MigrationState, rt: MigrationRuntime, step: Step, shouldYield: () => boolean): Promise<StepOutcome> {
  const { spec, timersMs } = s.plan!;
  const timed = async (ms: number, what: string, opts: SoakOptions = {}) =>
    (await soak(s, ms, { shouldYield, ...opts })) === 'done' ? { left: `${what} done` } : null;
  switch (step.phase) {
    case 'preflight':
      await checkConnections({ connections: [spec.source.connection, spec.target.connection, spec.control.connection] });
      return { left: 'connections checked' };
    case 'dual_write':
      return timed(timersMs.dualWriteSoak, `${spec.sync === 'cdc' ? 'CDC' : 'dual-write'} soak ${spec.timers.dualWriteSoak}`);
    case 'backfill':
      await runEntityChildren(s, rt, 'backfill');
      return { left: `${spec.entities.length} entities copied` };
    case 'verify':
      await runEntityChildren(s, rt, 'verify');
      return { left: `${spec.entities.length} entities verified` };
    case 'shadow_read':
      return timed(timersMs.shadowReadSoak, `shadow-read soak ${spec.timers.shadowReadSoak} with gates green`, gated(s, rt));
    case 'read_ramp':
      return timed(timersMs.rampStepBake, `${step.percent}% bake ${spec.timers.rampStepBake} with gates green`, gated(s, rt));
    case 'write_switch':
      return timed(timersMs.rollbackWindow, `rollback window ${spec.timers.rollbackWindow}`);
    case 'complete':
      return { left: 'complete' };
    case 'decommission':
      await runEntityChildren(s, rt, 'verify');
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
        routingVersion: s.routing!.version,
        gates: spec.gates,
        sync: spec.sync,
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
