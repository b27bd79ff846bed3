/** Activity stubs of the migration workflow, with the timeouts and retries each kind of work needs. */
import { proxyActivities, RetryPolicy } from '@temporalio/workflow';
import type * as activities from '../activities';

/** Validation and connection checks: a wrong spec or URL does not fix itself, so few attempts. */
export const { prepareMigration, checkConnections } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20s',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** `switchyard plan`'s checks: one read-only pass over every entity's tables, heartbeating while it runs. */
export const { checkPlan } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20s',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** Small idempotent calls: retried for as long as the database they talk to does not answer. */
const untilAnswered: RetryPolicy = { initialInterval: '1s', maximumInterval: '30s' };

/**
 * Control-store writes and reads: one or two queries each. The bound is short because it is also
 * how long a killed worker's attempt holds the phase before it is retried elsewhere.
 */
export const { publishRouting, checkGates } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds', retry: untilAnswered });

/** Waiting for routers to follow a change of write primary: bounded by the activity itself (60 s). */
export const { awaitRouterAcks } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20s',
  retry: untilAnswered,
});

/** Copying keys back on rollback past the write switch: long, resumable from its heartbeat. */
export const { copyBackWrittenKeys } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1s', maximumInterval: '1 minute' },
});

/**
 * The drain heartbeats after every batch (a few hundred keys, well under a second). The gate loop
 * waits for it at every interval, so a killed worker's drain must be retried in seconds, not after a minute.
 */
const DRAIN_HEARTBEAT = '20s';

/** Draining the reconcile queue before a step: retried for a few minutes, then the step fails for a human to retry. */
export const { drainReconcileQueue: drainQueueBeforeEntry } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: DRAIN_HEARTBEAT,
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

/** Draining it during a soak: the next gate interval tries again, so a few quick attempts suffice. */
export const { drainReconcileQueue: drainQueueInPassing } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: DRAIN_HEARTBEAT,
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});

/** CDC set-up and tear-down on the source (slot creation waits for running transactions, heartbeating meanwhile). */
export const { cdcPreflight, cdcPrepare, cdcTeardown } = proxyActivities<typeof activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20s',
  retry: untilAnswered,
});

/** One slice of the CDC stream: it heartbeats every batch or idle poll, so a killed worker's slice is retried within seconds. */
export const { cdcStream } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds',
  retry: untilAnswered,
});

/** Counting the new database's quarantine before the write switch: a read, retried until it answers. */
export const { countQuarantine } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', retry: untilAnswered });

/**
 * Renaming or dropping the old tables: quick DDL. A refusal does not fix itself (a missing
 * privilege, someone else's view on a table), so a few attempts, then a human decides.
 */
export const { retireOld, dropRetired } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 },
});

/** Renaming them back in a rollback, which must finish what it started: retried until it succeeds. */
export const { restoreOld } = proxyActivities<typeof activities>({ startToCloseTimeout: '5 minutes', retry: untilAnswered });

/**
 * The drain while writes are held for the CDC write switch: the stream caught up just before, so
 * this takes a second; a stream that cannot finish within the bound must not hold writes longer.
 */
export const { cdcStream: cdcDrainWhileHeld } = proxyActivities<typeof activities>({
  scheduleToCloseTimeout: '30 seconds',
  heartbeatTimeout: '15 seconds',
  retry: untilAnswered,
});
