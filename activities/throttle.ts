import { Context } from '@temporalio/activity';

/**
 * Holds an activity back until `rows` since `startedAt` stay within `rowsPerSecond`, heartbeating
 * `details` meanwhile so that a long pause is not mistaken for a dead worker. Cancellation-aware.
 */
export async function pace(rows: number, startedAt: number, rowsPerSecond: number | undefined, details: unknown): Promise<void> {
  if (!rowsPerSecond) return;
  const ctx = Context.current();
  for (;;) {
    const wait = startedAt + (rows / rowsPerSecond) * 1000 - Date.now();
    if (wait <= 0) return;
    ctx.heartbeat(details);
    await ctx.sleep(Math.min(wait, 1000));
  }
}
