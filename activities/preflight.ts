import { ApplicationFailure } from '@temporalio/common';
import { ConnectionConfigError } from '../lib/connections';
import { resolveConnection } from '../lib/connectors/engines';
import { ConnectionReport, probeConnection } from '../lib/connectors/probe';
import { heartbeating } from './keepalive';

export interface CheckConnectionsInput {
  connections: string[];
}

/**
 * Checks every named connection (reachable, version, read and write permission) and returns
 * the whole report. Any failure is non-retryable: a wrong URL or a missing grant does not fix
 * itself, and an operator needs every problem at once, each naming its connection.
 */
export const checkConnections = heartbeating(async (input: CheckConnectionsInput): Promise<ConnectionReport[]> => {
  const names = [...new Set(input.connections)];
  if (names.length === 0) {
    throw ApplicationFailure.nonRetryable('preflight needs at least one connection name', 'InvalidInput');
  }
  const reports: ConnectionReport[] = [];
  const problems: string[] = [];
  for (const name of names) {
    let conn;
    try {
      conn = resolveConnection(name);
    } catch (err) {
      if (!(err instanceof ConnectionConfigError)) throw err;
      problems.push(err.message);
      continue;
    }
    const report = await probeConnection(conn);
    reports.push(report);
    if (!report.ok) problems.push(`connection ${name} (${report.address}): ${report.error ?? 'failed'}`);
  }
  if (problems.length) {
    throw ApplicationFailure.create({
      message: problems.join('; '),
      type: 'ConnectionCheckFailed',
      nonRetryable: true,
      details: [reports],
    });
  }
  return reports;
});
