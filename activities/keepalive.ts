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
