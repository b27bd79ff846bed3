import type { Pool } from 'pg';
import { streamTicket } from '../lib/control';
import { log } from '../lib/log';
import { redactSecrets } from '../lib/redact';

/**
 * The stream's watermark in the control store (lib/control/stream-progress.ts), for the routers'
 * read-your-writes during a CDC read ramp. A control store that does not answer must not stop the
 * stream: the watermark then stays where it was, and routers keep reading their recent writes
 * from the old database a little longer.
 */
export function streamWatermark(pool: Pool, migrationId: string) {
  let ticket: number | undefined;
  const take = async (applied?: number) => {
    try {
      ticket = await streamTicket(pool, migrationId, applied);
    } catch (err) {
      ticket = undefined;
      log.warn({ migrationId, err: redactSecrets(err instanceof Error ? err.message : String(err)) }, 'CDC watermark not published');
    }
  };
  return {
    /** Before the first peek. */
    start: () => take(),
    /** After a batch: one that reached the end of the WAL has applied every commit before the ticket taken ahead of it. */
    applied: (caughtUp: boolean) => take(caughtUp ? ticket : undefined),
  };
}
