/** Activity stubs of the migration workflow, with the timeouts and retries each kind of work needs. */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

/** Validation and connection checks: a wrong spec or URL does not fix itself, so few attempts. */
export const { prepareMigration, checkConnections } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** Control-store writes and reads: small and idempotent, retried until the store answers again. */
export const { publishRouting, checkGates } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Copying keys back on rollback past the write switch: long, resumable from its heartbeat. */
export const { copyBackWrittenKeys } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});
