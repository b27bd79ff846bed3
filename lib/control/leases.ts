import type { Pool } from 'pg';
import { ensureControlSchema, explainMissingSchema } from './schema';
import { ROUTING_COLUMNS } from './store';
import type { RoutingState } from './routing';

/**
 * Router leases fence stale routers. A router renews its lease on every routing poll, in the
 * same statement that reads the routing state, and acknowledges the routing version it follows;
 * past the expiry it refuses writes, so the workflow may treat a lapsed router as gone.
 */
export interface LeaseRenewal {
  migrationId: string;
  routerId: string;
  /** The routing version the router follows and has no older write in flight under. */
  following: number;
  ttlMs: number;
}

/**
 * Read with the routing state, for read-your-writes during a CDC read ramp (lib/router/unstreamed.ts):
 * the control store's clock when the poll ran and the CDC stream's watermark (stream-progress.ts), epoch ms.
 */
export interface PollClock {
  polledAtMs: number;
  streamedThroughMs: number | null;
}
export type PolledRouting = RoutingState & Partial<PollClock>;

/**
 * Renews the lease (creating it on first use) and reads the routing state, in one round trip. A
 * router call: it never creates the schema (its role cannot), it says who does.
 */
export async function renewLeaseAndReadRouting(pool: Pool, r: LeaseRenewal): Promise<PolledRouting | undefined> {
  const { rows } = await explainMissingSchema(
    pool.query(
      `WITH renewed AS (
       INSERT INTO switchyard.router_leases AS l (migration_id, router_id, routing_version, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (migration_id, router_id) DO UPDATE SET routing_version = excluded.routing_version,
         expires_at = excluded.expires_at, renewed_at = now()
     )
     SELECT ${ROUTING_COLUMNS}, floor(extract(epoch FROM now()) * 1000)::float8 AS "polledAtMs",
       (SELECT streamed_through_ms::float8 FROM switchyard.cdc_progress p WHERE p.migration_id = $1) AS "streamedThroughMs"
       FROM switchyard.routing_state WHERE migration_id = $1`,
      [r.migrationId, r.routerId, r.following, r.ttlMs],
    ),
  );
  // A data-modifying WITH runs whether or not the query reads it: the lease is renewed without a routing state too.
  return rows[0];
}

/** A closing router gives its lease up: the workflow stops waiting for it at once. */
export async function releaseLease(pool: Pool, migrationId: string, routerId: string): Promise<void> {
  await pool.query(`DELETE FROM switchyard.router_leases WHERE migration_id = $1 AND router_id = $2`, [migrationId, routerId]);
}

export interface RouterAcks {
  /** Live routers following `version` or a later one. */
  acked: string[];
  /** Live routers still following an older version. */
  waiting: string[];
}

/** Which live routers (lease not expired by the control store's clock) acknowledge a routing version. */
export async function readRouterAcks(pool: Pool, migrationId: string, version: number): Promise<RouterAcks> {
  await ensureControlSchema(pool);
  const { rows } = await pool.query(
    `SELECT router_id AS "routerId", routing_version >= $2 AS acked FROM switchyard.router_leases
      WHERE migration_id = $1 AND expires_at > now() ORDER BY router_id`,
    [migrationId, version],
  );
  return {
    acked: rows.filter((r) => r.acked).map((r) => r.routerId),
    waiting: rows.filter((r) => !r.acked).map((r) => r.routerId),
  };
}
