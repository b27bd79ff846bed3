import { Context } from '@temporalio/activity';

/**
 * Heartbeats `details()` every few seconds while one slow database call is in flight, so a
 * healthy worker waiting on a slow server is not declared dead. A killed worker stops beating
 * with it, which is what heartbeatTimeout is there to detect. Returns the stop function.
 */
export function keepAlive(details: () => unknown, everyMs = 3000): () => void {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(details()), everyMs);
  return () => clearInterval(timer);
}

/**
 * `work`, given up as soon as the activity is cancelled (learnt from a heartbeat's response): a
 * read blocked on a lock or a slow server would otherwise hold the activity, and so its worker
 * slot, until it returns. For reads only: what `work` still does after that is discarded (its
 * query runs on in the database until it ends), so it must change nothing.
 */
export function unlessCancelled<T>(work: Promise<T>): Promise<T> {
  // The race handles a rejection of either that comes after it settled.
  return Promise.race([work, Context.current().cancelled]);
}

/**
 * An activity with no progress worth saving (one count, one plan, one re-read) that still
 * heartbeats while it runs. Its stub can then carry a short heartbeatTimeout, and a killed
 * worker's attempt is retried in seconds instead of after the whole startToCloseTimeout. Called
 * outside an activity (scripts, tests) it simply runs.
 */
export function heartbeating<A extends unknown[], R>(work: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    const stop = inActivity() ? keepAlive(() => undefined) : () => undefined;
    try {
      return await work(...args);
    } finally {
      stop();
    }
  };
}

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}
