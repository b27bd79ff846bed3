import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { ConnectionConfigError } from '../lib/connections';
import { resolveConnection } from '../lib/connectors/engines';
import { pgPool } from '../lib/connectors/clients';
import { pgEngine } from '../lib/connectors/pg/engine';

/** The control store's pool; a missing or non-PostgreSQL connection is an operator error, never retried. */
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
  return pgPool(conn);
}
