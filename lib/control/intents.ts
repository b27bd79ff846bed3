import type { Pool } from 'pg';
import { ensureControlSchema } from './schema';

/**
 * Write intents: the durable record a router makes before a write's first database call. One
 * statement per batch of concurrent writes records their intents (dual writes) and their written
 * keys (writes whose primary is the new database, for copying back on a rollback), and only if
 * the router's lease is live: a fenced router records nothing and so writes nothing.
 */
export interface WriteIntent {
  /** Chosen by the router, so finishing needs no answer from the recording. */
  id: string;
  entity: string;
  key: unknown;
  routingVersion: number;
  /** The database written second, which misses the write if the router dies in between; absent for a single write. */
  target?: 'old' | 'new';
  /** The new database is primary: the key goes to written_keys. */
  newPrimary: boolean;
}

/** Records a batch; false (and nothing recorded) when the router's lease has expired or does not exist. */
export async function recordWriteIntents(pool: Pool, migrationId: string, routerId: string, intents: WriteIntent[]): Promise<boolean> {
  const { rows } = await pool.query(
    `WITH leased AS (
       SELECT 1 FROM switchyard.router_leases WHERE migration_id = $1 AND router_id = $2 AND expires_at > now()
     ), req AS (
       SELECT r->>'id' AS id, r->>'entity' AS entity, r->'key' AS key, (r->>'routingVersion')::bigint AS version,
              r->>'target' AS target, (r->>'newPrimary')::boolean AS new_primary
         FROM jsonb_array_elements($3::jsonb) AS r WHERE EXISTS (SELECT 1 FROM leased)
     ), intents AS (
       INSERT INTO switchyard.write_intents (id, migration_id, entity, key, routing_version, target, router_id)
       SELECT id, $1, entity, key, version, target, $2 FROM req WHERE target IS NOT NULL
     ), written AS (
       -- One row per key (an upsert may not touch a row twice), in key order so concurrent batches lock alike.
       INSERT INTO switchyard.written_keys (migration_id, entity, key, routing_version)
       SELECT DISTINCT ON (entity, key) $1, entity, key, version FROM req WHERE new_primary ORDER BY entity, key, version DESC
       ON CONFLICT (migration_id, entity, key) DO UPDATE SET routing_version = excluded.routing_version, at = now()
     )
     SELECT EXISTS (SELECT 1 FROM leased) AS leased`,
    [migrationId, routerId, JSON.stringify(intents)],
  );
  return rows[0].leased;
}

export interface UnfinishedIntent {
  id: string;
  /** Why the second database may lack the write: goes into the reconcile queue. */
  reason: string;
}

/**
 * Ends intents: a write that reached both databases is forgotten; one that may not have (a
 * failed or timed-out call) moves to the reconcile queue, in the same statement.
 */
export async function finishWriteIntents(pool: Pool, done: string[], unfinished: UnfinishedIntent[]): Promise<void> {
  if (done.length === 0 && unfinished.length === 0) return;
  await pool.query(
    `WITH gone AS (DELETE FROM switchyard.write_intents WHERE id = ANY($1::text[])),
     moved AS (
       DELETE FROM switchyard.write_intents i USING jsonb_array_elements($2::jsonb) AS u
        WHERE i.id = u->>'id' RETURNING i.migration_id, i.entity, i.key, i.target, u->>'reason' AS reason
     )
     ${INTO_QUEUE} FROM moved ORDER BY migration_id, entity, key, target
     ${ON_QUEUED}`,
    [done, JSON.stringify(unfinished)],
  );
}

const INTO_QUEUE = `INSERT INTO switchyard.reconcile_queue AS q (migration_id, entity, key, target, reason)
     SELECT DISTINCT ON (migration_id, entity, key, target) migration_id, entity, key, target, reason`;
const ON_QUEUED = `ON CONFLICT (migration_id, entity, key, target) DO UPDATE SET reason = excluded.reason, enqueued_at = now()`;

/**
 * Moves intents no router will finish to the reconcile queue: older than `staleAfterMs`, or
 * whose router's lease is gone or expired, or older than the routing version the router has
 * acknowledged since (it acknowledges only once no older write is in flight, so the write ended
 * and its outcome was lost on the way). Returns how many moved.
 */
export async function moveStaleIntents(pool: Pool, migrationId: string, staleAfterMs: number): Promise<number> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `WITH stale AS (
       DELETE FROM switchyard.write_intents i
        WHERE i.migration_id = $1 AND (i.at < now() - $2 * interval '1 millisecond' OR NOT EXISTS (
          SELECT 1 FROM switchyard.router_leases l WHERE l.migration_id = i.migration_id AND l.router_id = i.router_id
             AND l.expires_at > now() AND l.routing_version <= i.routing_version))
        RETURNING i.migration_id, i.entity, i.key, i.target,
          'write left unfinished by router ' || i.router_id || ' at routing v' || i.routing_version AS reason
     ), queued AS (
       ${INTO_QUEUE} FROM stale ORDER BY migration_id, entity, key, target
       ${ON_QUEUED}
     )
     SELECT count(*)::int AS moved FROM stale`,
    [migrationId, staleAfterMs],
  );
  return rows[0].moved;
}
