/** Activity stubs of the verify workflow, with the timeouts and retries each kind of work needs. */
import { proxyActivities } from '@temporalio/workflow';
import type * as planActivities from '../activities/plan';
import type * as reconcileActivities from '../activities/reconcile';
import type * as verifyActivities from '../activities/verify';
import type * as digestActivities from '../activities/verify-digests';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 } as const;
/** Single-call activities (counts, plan, recheck, reconcile): nothing to resume from, but they heartbeat while they run, so a killed worker's call is retried within 20 s. */
export const acts = proxyActivities<typeof verifyActivities & typeof planActivities & typeof reconcileActivities & typeof digestActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20s',
  retry,
});
/** Range and digest comparison heartbeat per range (segment), so a killed worker's chunk moves on within 30 s. */
export const { compareRanges, compareDigests } = proxyActivities<typeof verifyActivities & typeof digestActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30s',
  retry,
});
