import type { Pool } from 'pg';
import { ensureControlSchema } from './schema';
import { inTransaction } from './transaction';
import type { Routing, RoutingState } from './routing';

/**
 * The control store API: the workflow's activities publish routing and read gate figures; the
 * application router (a later issue) reads routing, reports counters, records the keys it
 * writes after the write switch and queues failed secondary writes. Every call takes the pool of
 * the control connection, so both sides share one implementation.
 */

export interface PublishRouting extends Routing {
  migrationId: string;
  /** Chosen by the caller so a retried publish is a no-op rather than a second change. */
  version: number;
  actor: string;
  reason: string;
}

/**
 * Sets the routing state and appends it to the log, in one transaction. A version at or below
 * the stored one changes nothing (an activity retry, or a late duplicate) and returns the
 * stored state.
 */
export async function publishRoutingState(pool: Pool, input: PublishRouting): Promise<RoutingState> {
  await ensureControlSchema(pool);
  const values = [input.migrationId, input.version, input.phase, input.writes, input.reads, input.readPercent, input.actor, input.reason];
  await inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO switchyard.routing_state AS s (migration_id, version, phase, writes, reads, read_percent, actor, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (migration_id) DO UPDATE SET version = excluded.version, phase = excluded.phase, writes = excluded.writes,
         reads = excluded.reads, read_percent = excluded.read_percent, actor = excluded.actor, reason = excluded.reason, at = now()
       WHERE s.version < excluded.version`,
      values,
    );
    await client.query(
      `INSERT INTO switchyard.routing_log (migration_id, version, phase, writes, reads, read_percent, actor, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      values,
    );
  });
  return (await readRoutingState(pool, input.migrationId))!;
}

export const ROUTING_COLUMNS = `migration_id AS "migrationId", version::int AS version, phase, writes, reads,
  read_percent AS "readPercent", actor, reason, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`;

export async function readRoutingState(pool: Pool, migrationId: string): Promise<RoutingState | undefined> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(`SELECT ${ROUTING_COLUMNS} FROM switchyard.routing_state WHERE migration_id = $1`, [migrationId]);
  return rows[0];
}

/** Every routing change of a migration, oldest first. */
export async function readRoutingLog(pool: Pool, migrationId: string): Promise<RoutingState[]> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(`SELECT ${ROUTING_COLUMNS} FROM switchyard.routing_log WHERE migration_id = $1 ORDER BY version`, [migrationId]);
  return rows;
}

export interface CounterReport {
  migrationId: string;
  /** The routing version the reporter was following; gates read one version's figures. */
  routingVersion: number;
  /** One router instance (process); its increments add up. */
  instanceId: string;
  comparisons?: number;
  mismatches?: number;
  operations?: number;
  errors?: number;
  /** Replication lag the reporter observed (CDC); the latest report wins. */
  lagSeconds?: number;
}

/** Adds a router instance's counts since its last report. */
export async function recordCounters(pool: Pool, r: CounterReport): Promise<void> {
  await pool.query(
    `INSERT INTO switchyard.counters AS c (migration_id, routing_version, instance_id, comparisons, mismatches, operations, errors, lag_seconds)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (migration_id, routing_version, instance_id) DO UPDATE SET
       comparisons = c.comparisons + excluded.comparisons, mismatches = c.mismatches + excluded.mismatches,
       operations = c.operations + excluded.operations, errors = c.errors + excluded.errors,
       lag_seconds = coalesce(excluded.lag_seconds, c.lag_seconds), updated_at = now()`,
    [r.migrationId, r.routingVersion, r.instanceId, r.comparisons ?? 0, r.mismatches ?? 0, r.operations ?? 0, r.errors ?? 0, r.lagSeconds ?? null],
  );
}

export interface GateFigures {
  comparisons: number;
  mismatches: number;
  operations: number;
  errors: number;
  /** Worst lag any instance reports; null when nobody reports lag (sync = dual_write). */
  lagSeconds: number | null;
  instances: number;
}

/** The sums over all router instances for one routing version. */
export async function readGateFigures(pool: Pool, migrationId: string, routingVersion: number): Promise<GateFigures> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `SELECT coalesce(sum(comparisons), 0)::float8 AS comparisons, coalesce(sum(mismatches), 0)::float8 AS mismatches,
            coalesce(sum(operations), 0)::float8 AS operations, coalesce(sum(errors), 0)::float8 AS errors,
            max(lag_seconds) AS "lagSeconds", count(*)::int AS instances
       FROM switchyard.counters WHERE migration_id = $1 AND routing_version = $2`,
    [migrationId, routingVersion],
  );
  return rows[0];
}

/**
 * The router records each key it writes while the new database is primary, so a rollback
 * past the write switch knows exactly what to copy back to the old one.
 */
export async function recordWrittenKeys(pool: Pool, migrationId: string, entity: string, routingVersion: number, keys: unknown[]): Promise<void> {
  if (keys.length === 0) return;
  await ensureControlSchema(pool);
  await pool.query(
    `INSERT INTO switchyard.written_keys (migration_id, entity, key, routing_version)
     SELECT $1, $2, k, $3 FROM jsonb_array_elements($4::jsonb) AS k
     ON CONFLICT (migration_id, entity, key) DO UPDATE SET routing_version = excluded.routing_version, at = now()`,
    [migrationId, entity, routingVersion, JSON.stringify(keys)],
  );
}

/** Which of `keys` were written at or after a routing version, as JSON.stringify texts. */
export async function writtenKeysAmong(pool: Pool, migrationId: string, entity: string, sinceVersion: number, keys: unknown[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `SELECT key FROM switchyard.written_keys
      WHERE migration_id = $1 AND entity = $2 AND routing_version >= $3 AND key IN (SELECT jsonb_array_elements($4::jsonb))`,
    [migrationId, entity, sinceVersion, JSON.stringify(keys)],
  );
  return new Set(rows.map((r) => JSON.stringify(r.key)));
}

/** Keys of an entity written at or after a routing version, in key order, one page at a time. */
export async function readWrittenKeys(
  pool: Pool,
  migrationId: string,
  entity: string,
  sinceVersion: number,
  after: unknown | undefined,
  limit: number,
): Promise<unknown[]> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `SELECT key FROM switchyard.written_keys
      WHERE migration_id = $1 AND entity = $2 AND routing_version >= $3 AND ($4::jsonb IS NULL OR key > $4::jsonb)
      ORDER BY key LIMIT $5`,
    [migrationId, entity, sinceVersion, after === undefined ? null : JSON.stringify(after), limit],
  );
  return rows.map((r) => r.key);
}

/** How many keys were written at or after a routing version, over all entities. */
export async function countWrittenKeys(pool: Pool, migrationId: string, sinceVersion: number): Promise<number> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM switchyard.written_keys WHERE migration_id = $1 AND routing_version >= $2', [
    migrationId,
    sinceVersion,
  ]);
  return rows[0].n;
}

/**
 * Queues every key written at or after a routing version for the old database: a rollback that
 * moved routing before copying them back keeps the list of keys the old database may lack.
 */
export async function queueWrittenKeysForOld(pool: Pool, migrationId: string, sinceVersion: number, reason: string): Promise<number> {
  await ensureControlSchema(pool);
  const { rowCount } = await pool.query(
    `INSERT INTO switchyard.reconcile_queue AS q (migration_id, entity, key, target, reason)
     SELECT migration_id, entity, key, 'old', $3 FROM switchyard.written_keys WHERE migration_id = $1 AND routing_version >= $2
     ON CONFLICT (migration_id, entity, key, target) DO UPDATE SET reason = excluded.reason, enqueued_at = now()`,
    [migrationId, sinceVersion, reason],
  );
  return rowCount ?? 0;
}

export interface ReconcileItem {
  migrationId: string;
  entity: string;
  key: unknown;
  /** The database that missed the write. */
  target: 'old' | 'new';
  reason: string;
}

/** Queues a key whose secondary write failed; a queued key is copied later under the version guard. */
export async function enqueueReconcile(pool: Pool, item: ReconcileItem): Promise<void> {
  await pool.query(
    `INSERT INTO switchyard.reconcile_queue AS q (migration_id, entity, key, target, reason)
     VALUES ($1, $2, $3::jsonb, $4, $5)
     ON CONFLICT (migration_id, entity, key, target) DO UPDATE SET reason = excluded.reason, enqueued_at = now()`,
    [item.migrationId, item.entity, JSON.stringify(item.key), item.target, item.reason],
  );
}

/** One queued key as read: `enqueuedAt` tells whether it was queued again since. */
export interface ReconcileEntry {
  key: unknown;
  /** enqueued_at to the microsecond (ISO, UTC): completeReconcile removes the entry only if it still holds this. */
  enqueuedAt: string;
  attempts: number;
}

/** Up to `limit` queued keys for one entity and target, oldest first. */
export async function readReconcileBatch(pool: Pool, migrationId: string, entity: string, target: 'old' | 'new', limit: number): Promise<ReconcileEntry[]> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `SELECT key, to_char(enqueued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "enqueuedAt", attempts
       FROM switchyard.reconcile_queue WHERE migration_id = $1 AND entity = $2 AND target = $3
      ORDER BY enqueued_at, key LIMIT $4`,
    [migrationId, entity, target, limit],
  );
  return rows;
}

/** The read entries as (key, enqueued_at) rows, for matching queue rows exactly as they were read. */
const READ_ENTRIES = `SELECT e->0 AS key, (e->>1)::timestamptz AS enqueued_at FROM jsonb_array_elements($4::jsonb) AS e`;

/**
 * Removes entries once they have been copied, unless a router queued the key again meanwhile
 * (enqueued_at moved on): that later failure may postdate the copy, so the entry stays.
 */
export function completeReconcile(pool: Pool, migrationId: string, entity: string, target: 'old' | 'new', entries: ReconcileEntry[]): Promise<void> {
  return changeEntries(
    pool,
    migrationId,
    entity,
    target,
    entries,
    `DELETE FROM switchyard.reconcile_queue q USING (${READ_ENTRIES}) r
      WHERE q.migration_id = $1 AND q.entity = $2 AND q.target = $3 AND q.key = r.key AND q.enqueued_at = r.enqueued_at`,
  );
}

/** Counts a failed copy against the entries; they stay queued for the next drain. */
export function failReconcile(pool: Pool, migrationId: string, entity: string, target: 'old' | 'new', entries: ReconcileEntry[]): Promise<void> {
  return changeEntries(
    pool,
    migrationId,
    entity,
    target,
    entries,
    `UPDATE switchyard.reconcile_queue q SET attempts = q.attempts + 1 FROM (${READ_ENTRIES}) r
      WHERE q.migration_id = $1 AND q.entity = $2 AND q.target = $3 AND q.key = r.key`,
  );
}

async function changeEntries(pool: Pool, migrationId: string, entity: string, target: 'old' | 'new', entries: ReconcileEntry[], sql: string): Promise<void> {
  if (entries.length === 0) return;
  await ensureControlSchema(pool);
  await pool.query(sql, [migrationId, entity, target, JSON.stringify(entries.map((e) => [e.key, e.enqueuedAt]))]);
}

/** Queued keys of a migration, per entity and target. */
export async function reconcileQueueDepth(pool: Pool, migrationId: string): Promise<{ entity: string; target: 'old' | 'new'; depth: number }[]> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `SELECT entity, target, count(*)::int AS depth FROM switchyard.reconcile_queue WHERE migration_id = $1
      GROUP BY entity, target ORDER BY entity, target`,
    [migrationId],
  );
  return rows;
}
