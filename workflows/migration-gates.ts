/**
 * Health gates at every gate interval of a gated soak. The gates judge a sliding window (the
 * counts reported over the last `gates.windowIntervals` intervals, from cumulative readings kept
 * here), so a late failure is not diluted by a long green history. Before the write switch a
 * breach rolls back one step by itself; from the write switch on it holds and asks a human
 * (rolling back there copies keys back, a decision for a person). A gate still lacking samples
 * `timers.maxSampleWait` after the soak's own time asks a human instead of soaking forever.
 */
import { condition, patched } from '@temporalio/workflow';
import type { GateFigures } from '../lib/control/store';
import { checkGates } from './migration-activities';
import { gateLagSeconds } from './migration-cdc';
import { interrupt, MigrationRuntime } from './migration-runtime';
import { currentStep, syncSearchAttributes } from './migration-state';
import type { SoakOptions } from './migration-timers';
import type { MigrationState } from './migration-types';

export const GATE_WINDOW_PATCH = 'gate-sliding-window';
export const GATE_AFTER_SWITCH_PATCH = 'gate-through-write-switch';

const DEFAULT_WINDOW_INTERVALS = 10;
const DEFAULT_MAX_SAMPLE_WAIT_MS = 2 * 60 * 60 * 1000;

export interface GateWindow {
  routingVersion: number;
  /** Cumulative readings of the latest intervals, oldest first: the first is the window's baseline. */
  readings: GateFigures[];
  /** Unpaused time past the soak's own the gates have been inconclusive in a row. */
  inconclusiveMs: number;
}

/** `hold`: a breach waits for a human instead of rolling back by itself (from the write switch on). */
export function gated(s: MigrationState, rt: MigrationRuntime, opts: { hold?: boolean } = {}): SoakOptions {
  const { spec, timersMs } = s.plan!;
  const windowed = patched(GATE_WINDOW_PATCH);
  return {
    everyMs: timersMs.gateInterval,
    check: async (leftMs) => {
      const version = s.routing!.version;
      const w = s.gateWindow?.routingVersion === version ? s.gateWindow : { routingVersion: version, readings: [], inconclusiveMs: 0 };
      s.gateWindow = windowed ? w : undefined;
      const phase = currentStep(s)?.phase;
      // After the write switch the stream has stopped: there is no lag left to gate on.
      const sync = opts.hold ? 'dual_write' : spec.sync;
      const check = await checkGates({
        control: spec.control.connection,
        migrationId: s.migrationId,
        phase,
        routingVersion: version,
        gates: spec.gates,
        sync,
        ...(opts.hold ? {} : gateLagSeconds(s)),
        ...(windowed && w.readings.length ? { baseline: w.readings[0] } : {}),
      });
      s.latestGate = { ...check, at: new Date().toISOString() };
      if (windowed && check.cumulative) {
        w.readings.push(check.cumulative);
        if (w.readings.length > (spec.gates.windowIntervals ?? DEFAULT_WINDOW_INTERVALS)) w.readings.shift();
      }
      if (check.verdict === 'breach') {
        const reason = `gate breach: ${check.reasons.join('; ')}`;
        if (opts.hold) {
          await askHuman(s, `${reason}: rollback, or approve to keep the new database primary (the gates go on)`);
          // The human saw the breach: judge only what is reported from here on.
          if (check.cumulative) w.readings = [check.cumulative];
          return false;
        }
        interrupt(rt, { kind: 'rollback', target: s.step - 1, by: 'health-gate', reason });
        // The interrupt cancelled this scope: the wait below throws and unwinds the forward run.
        await condition(() => false);
        return false;
      }
      if (check.verdict === 'green' || !windowed) {
        w.inconclusiveMs = 0;
        return check.verdict === 'green';
      }
      // While the soak has time left, too few samples only keep it from ending early.
      if (leftMs > 0) return false;
      w.inconclusiveMs += timersMs.gateInterval;
      if (w.inconclusiveMs < (timersMs.maxSampleWait ?? DEFAULT_MAX_SAMPLE_WAIT_MS)) return false;
      await askHuman(
        s,
        `gates inconclusive for ${Math.round(w.inconclusiveMs / 1000)} s (${check.reasons.join('; ')}): approve to go on without them, or rollback`,
      );
      w.inconclusiveMs = 0;
      return true;
    },
  };
}

/** Holds the soak until a human approves; a rollback or abort cancels the wait. */
async function askHuman(s: MigrationState, reason: string): Promise<void> {
  s.pendingApproval = { phase: currentStep(s)!.phase, since: new Date().toISOString(), reason, choices: ['approve', 'rollback'] };
  syncSearchAttributes(s);
  await condition(() => s.pendingApproval === null);
  // The approval answered this question; it is not the approval of a later step.
  s.approval = undefined;
}
