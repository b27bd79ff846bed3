/**
 * The forward path as a list of steps (every phase once, the read ramp once per percentage) and
 * the rollback arithmetic over it. Pure: unit-tested without Temporal.
 */
import type { Phase } from '../lib/spec/lifecycle';

export interface Step {
  phase: Phase;
  /** Read-ramp percentage; 0 outside the ramp. */
  percent: number;
}

const BEFORE_RAMP: Phase[] = ['preflight', 'dual_write', 'backfill', 'verify', 'shadow_read'];
const AFTER_RAMP: Phase[] = ['write_switch', 'complete', 'decommission'];

export function buildSteps(ramp: number[]): Step[] {
  return [
    ...BEFORE_RAMP.map((phase) => ({ phase, percent: 0 })),
    ...ramp.map((percent) => ({ phase: 'read_ramp' as const, percent })),
    ...AFTER_RAMP.map((phase) => ({ phase, percent: 0 })),
  ];
}

export function stepLabel(step: Step | undefined): string {
  if (!step) return 'start';
  return step.phase === 'read_ramp' ? `read_ramp ${step.percent}%` : step.phase;
}

/**
 * Where a rollback from step `current` lands, or why it cannot. Without `to`, one step back (the
 * table's "rollback goes to"); `to: 'read_ramp'` means the previous ramp step inside the ramp and
 * the last (100%) step after it. `oldKept`: decommission has dropped nothing (the old tables are
 * there or retired, and a rollback restores them), so it can still be rolled back.
 */
export function rollbackTarget(steps: Step[], current: number, to?: Phase, oldKept = false): { step: number } | { error: string } {
  const here = steps[current];
  if (!here || current === 0) return { error: 'nothing to roll back: the migration has not passed preflight' };
  if (here.phase === 'decommission' && !oldKept) return { error: 'decommission cannot be rolled back: the old tables are dropped or being dropped' };
  if (!to) return { step: current - 1 };
  let target = -1;
  for (let i = current - 1; i >= 0; i--) {
    if (steps[i].phase === to) {
      target = i;
      break;
    }
  }
  if (target < 0) return { error: `cannot roll back to ${to}: it is not before ${stepLabel(here)}` };
  return { step: target };
}

/** Whether entering step i waits for a human, given the phases the spec gates on approval. */
export function needsApproval(steps: Step[], i: number, approvals: readonly Phase[]): boolean {
  const step = steps[i];
  const firstOfPhase = i === 0 || steps[i - 1].phase !== step.phase;
  return firstOfPhase && approvals.includes(step.phase);
}
