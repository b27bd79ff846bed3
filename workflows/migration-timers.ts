/**
 * Soak timers that pause holds: time spent paused does not count, and a soak leaves what is left
 * in the state so a continued-as-new run finishes it instead of starting over.
 */
import { condition, patched } from '@temporalio/workflow';
import type { MigrationState } from './migration-types';

export interface SoakOptions {
  /** Run `check` after every this many unpaused milliseconds (health gates). */
  everyMs?: number;
  /** Returns whether the soak may end; the soak goes on past its time until it may. Gets the soak time left (0 once it has run). */
  check?: (leftMs: number) => Promise<boolean>;
  /** Asked between intervals; true stops here so the caller can continue as new. */
  shouldYield?: () => boolean;
}

export type SoakOutcome = 'done' | 'yield';

/**
 * A slice whose timer fired counts as exactly its length. Before, every slice counted the workflow
 * clock's advance, and that clock is not always the same on replay: a Temporal server restarted
 * while a workflow task was being handed out gave the live run a later time for that task than
 * the history records, the live soak ended one interval earlier than its replay, and every replay
 * (a query, a new worker) failed with a nondeterminism error (seen in e2e-shop).
 */
export const SOAK_TIMER_CLOCK_PATCH = 'soak-counts-fired-timers';

export async function soak(s: MigrationState, totalMs: number, opts: SoakOptions = {}): Promise<SoakOutcome> {
  let left = s.soakLeftMs ?? totalMs;
  s.soakLeftMs = undefined;
  let satisfied = !opts.check;
  while (left > 0 || !satisfied) {
    await condition(() => !s.paused);
    const slice = opts.everyMs ? (left > 0 ? Math.min(opts.everyMs, left) : opts.everyMs) : left;
    const started = Date.now();
    const pausedMidway = await condition(() => s.paused, slice);
    // A pause cuts a slice short at a moment no timer records; only then is the clock read.
    const elapsed = !pausedMidway && patched(SOAK_TIMER_CLOCK_PATCH) ? slice : Date.now() - started;
    left = Math.max(0, left - elapsed);
    if (pausedMidway) continue;
    if (opts.check) satisfied = await opts.check(left);
    if (opts.shouldYield?.() && (left > 0 || !satisfied)) {
      s.soakLeftMs = left;
      return 'yield';
    }
  }
  return 'done';
}
