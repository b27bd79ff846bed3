/** Operator controls and the sliding window shared by the two long data phases (backfill and verify). */
import { condition, isCancellation, setHandler } from '@temporalio/workflow';
import { DataControl, pauseData, resumeData, setRowsPerSecond } from './child-api';

/** Registers the signal handlers on `control`, which the caller carries across continueAsNew. */
export function handleDataControl(control: DataControl): void {
  setHandler(pauseData, () => {
    control.paused = true;
  });
  setHandler(resumeData, () => {
    control.paused = false;
  });
  setHandler(setRowsPerSecond, (rate) => {
    control.maxRowsPerSecond = rate && rate > 0 ? rate : null;
  });
}

/**
 * One activity's share of the entity's rate limit. Every slot gets an equal share so the sum
 * never exceeds the limit, whichever slots happen to be busy.
 */
export function rateShare(control: DataControl, slots: number): number | undefined {
  return control.maxRowsPerSecond ? Math.max(1, control.maxRowsPerSecond / Math.max(1, slots)) : undefined;
}

export interface WindowOptions<T> {
  /** The next item to start, or undefined when none is waiting; no side effects (it is polled). */
  next: () => T | undefined;
  /**
   * Runs one item; must mark it as taken before its first await, and must not throw (it records
   * its own failure). It may hand an item back (make next() return it again), e.g. on pause.
   */
  work: (item: T) => Promise<void>;
  /** Current bound on items in flight (read each time, so it may change). */
  limit: () => number;
  /** While true, nothing new starts (pause); items in flight go on to their next safe point. */
  held: () => boolean;
  /** Once true, nothing new starts and the window drains (continue-as-new, shutdown). */
  stop: () => boolean;
}

/**
 * The sliding window of samples-typescript/batch-sliding-window, for items that live in the
 * caller's state: resolves when nothing is in flight and either nothing is waiting or `stop()`.
 */
export async function slidingWindow<T>(opts: WindowOptions<T>): Promise<void> {
  let running = 0;
  const canStart = () => !opts.held() && running < opts.limit() && opts.next() !== undefined;
  for (;;) {
    await condition(() => opts.stop() || canStart() || (running === 0 && opts.next() === undefined));
    if (opts.stop()) break;
    const item = opts.next();
    if (item === undefined) break;
    running++;
    // Once the scope is cancelled, work's own awaits reject (a progress signal, say) while the
    // window's condition reports the cancellation: that rejection must not go unhandled, which
    // fails the workflow task again on every attempt, so a cancelled child never ends.
    void opts
      .work(item)
      .catch((err: unknown) => {
        if (!isCancellation(err)) throw err;
      })
      .finally(() => {
        running--;
      });
  }
  await condition(() => running === 0);
}

/** The message of the innermost cause: an ActivityFailure wraps the activity's own error. */
export function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e && typeof e === 'object' && e.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
