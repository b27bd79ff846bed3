import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { ConnectionConfigError } from '../lib/connections';
import { resolveConnection } from '../lib/connectors/engines';
import { pgPool } from '../lib/connectors/clients';
import { pgEngine } from '../lib/connectors/pg/engine';
import { reportRoutingOf } from '../lib/metrics-routing';

/**
 * The control store's pool; a missing or non-PostgreSQL connection is an operator error, never
 * retried. The worker's routing gauges report what the stores it uses hold (lib/metrics-routing.ts).
 */
export function controlPool(connection: string): Pool {
  let conn;
  try {
    conn = resolveConnection(connection);
  } catch (err) {
    if (err instanceof ConnectionConfigError) throw ApplicationFailure.nonRetryable(`control store: ${err.message}`, 'InvalidInput');
    throw err;
  }
  if (conn.kind !== pgEngine.kind) {
    throw ApplicationFailure.nonRetryable(`control store: connection ${connection} must be PostgreSQL, not ${conn.kind}`, 'InvalidInput');
  }
  const pool = pgPool(conn);
  reportRoutingOf(pool);
  return pool;
}
