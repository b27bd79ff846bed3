import type { Pool } from 'pg';
import { ensureControlSchema } from './schema';

/**
 * How far the CDC stream has applied the old database's changes, on the control store's clock, so
 * a router can tell when a write it made to the old database alone has reached the new one
 * (read-your-writes during a CDC read ramp: lib/router/unstreamed.ts, docs/cdc.md). The stream
 * takes a ticket (the control store's now()) before each peek; a peek that then reaches the end
 * of the WAL has seen every commit made before the ticket, so once its batch is applied the
 * ticket becomes the watermark. A router compares it with the time of its first poll after the
 * write, on the same clock: no clock of another machine is involved.
 */
export async function streamTicket(pool: Pool, migrationId: string, appliedThroughMs?: number): Promise<number> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `WITH published AS (
       INSERT INTO switchyard.cdc_progress AS p (migration_id, streamed_through_ms) SELECT $1, $2::bigint WHERE $2::bigint IS NOT NULL
       ON CONFLICT (migration_id) DO UPDATE SET streamed_through_ms = excluded.streamed_through_ms, at = now()
        WHERE p.streamed_through_ms < excluded.streamed_through_ms
     )
     SELECT floor(extract(epoch FROM now()) * 1000)::float8 AS ticket`,
    [migrationId, appliedThroughMs ?? null],
  );
  return rows[0].ticket;
}

/** A new stream (a new slot after a rollback to preflight) has applied nothing yet. */
export async function resetStreamProgress(pool: Pool, migrationId: string): Promise<void> {
  await ensureControlSchema(pool);
  await pool.query(`DELETE FROM switchyard.cdc_progress WHERE migration_id = $1`, [migrationId]);
}
