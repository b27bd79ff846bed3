import type { Pool } from 'pg';
import { inTransaction } from './transaction';

/**
 * The control store lives in schema `switchyard` of the control connection's database. The worker
 * owns it: its activities create it on first use, idempotently (an advisory lock serialises two
 * workers, because CREATE ... IF NOT EXISTS alone races on pg_type), or an administrator creates
 * it with the roles script (lib/control/roles.ts). Routers never run DDL: they only read and
 * append, under a role that cannot (docs/router.md, "Control store roles").
 */
export const CONTROL_DDL = `
-- CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database; a worker role given only the schema has none.
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'switchyard') THEN CREATE SCHEMA switchyard; END IF;
END $$;
CREATE TABLE IF NOT EXISTS switchyard.routing_state (
  migration_id text PRIMARY KEY,
  version bigint NOT NULL,
  phase text NOT NULL,
  writes text NOT NULL,
  reads text NOT NULL,
  read_percent int NOT NULL,
  actor text NOT NULL,
  reason text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
-- Same columns as routing_state; one row per version instead of one per migration.
CREATE TABLE IF NOT EXISTS switchyard.routing_log (
  LIKE switchyard.routing_state INCLUDING DEFAULTS,
  PRIMARY KEY (migration_id, version)
);
CREATE TABLE IF NOT EXISTS switchyard.counters (
  migration_id text NOT NULL,
  routing_version bigint NOT NULL,
  instance_id text NOT NULL,
  comparisons bigint NOT NULL DEFAULT 0,
  mismatches bigint NOT NULL DEFAULT 0,
  operations bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  lag_seconds double precision,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (migration_id, routing_version, instance_id)
);
CREATE TABLE IF NOT EXISTS switchyard.written_keys (
  migration_id text NOT NULL,
  entity text NOT NULL,
  key jsonb NOT NULL,
  routing_version bigint NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (migration_id, entity, key)
);
CREATE TABLE IF NOT EXISTS switchyard.reconcile_queue (
  migration_id text NOT NULL,
  entity text NOT NULL,
  key jsonb NOT NULL,
  target text NOT NULL CHECK (target IN ('old', 'new')),
  reason text NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  enqueued_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (migration_id, entity, key, target)
);
-- Each router's lease: the routing version it acknowledges (it has no write in flight under an
-- older one) and until when it may write. A router past its expiry refuses writes.
CREATE TABLE IF NOT EXISTS switchyard.router_leases (
  migration_id text NOT NULL,
  router_id text NOT NULL,
  routing_version bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  renewed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (migration_id, router_id)
);
-- A dual write recorded before its first database write and removed after its second: one left
-- behind (its router died or lost the control store) names a key the secondary may lack.
CREATE TABLE IF NOT EXISTS switchyard.write_intents (
  id text PRIMARY KEY,
  migration_id text NOT NULL,
  entity text NOT NULL,
  key jsonb NOT NULL,
  routing_version bigint NOT NULL,
  target text NOT NULL CHECK (target IN ('old', 'new')),
  router_id text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS write_intents_by_migration ON switchyard.write_intents (migration_id, router_id);
-- CDC sync: every change committed on the old database before streamed_through_ms (epoch ms on
-- this server's clock) has been applied to the new one (stream-progress.ts).
CREATE TABLE IF NOT EXISTS switchyard.cdc_progress (
  migration_id text PRIMARY KEY,
  streamed_through_ms bigint NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
-- CDC sync from a source without a server-side cursor (MySQL's binlog): where its stream resumes,
-- saved only once the target has every change before it (stream-positions.ts).
CREATE TABLE IF NOT EXISTS switchyard.stream_positions (
  migration_id text PRIMARY KEY,
  position text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
`;

const ready = new WeakMap<Pool, Promise<void>>();

export function ensureControlSchema(pool: Pool): Promise<void> {
  let p = ready.get(pool);
  if (!p) {
    p = create(pool);
    p.catch(() => ready.delete(pool));
    ready.set(pool, p);
  }
  return p;
}

async function create(pool: Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('switchyard.control_schema'))`);
    await client.query(CONTROL_DDL);
  });
}

/** PostgreSQL's invalid_schema_name and undefined_table. */
const MISSING = new Set(['3F000', '42P01']);

/**
 * A router's first query against a control store nobody has set up fails with "relation does not
 * exist"; this says who sets it up instead.
 */
export function explainMissingSchema<T>(query: Promise<T>): Promise<T> {
  return query.catch((err: unknown) => {
    if (!MISSING.has((err as { code?: string }).code ?? '')) throw err;
    throw new Error(
      'the control store has no switchyard schema yet: routers do not create it; the worker does when a migration first runs, ' +
        'or an administrator with `switchyard control-roles` (docs/router.md, "Control store roles")',
      { cause: err },
    );
  });
}
