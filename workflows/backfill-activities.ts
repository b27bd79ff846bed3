/** Activity stubs of the backfill workflow, with the timeouts and retries each kind of work needs. */
import { proxyActivities } from '@temporalio/workflow';
import type * as copyActivities from '../activities/copy';
import type * as planActivities from '../activities/plan';

/** Range planning: one call that heartbeats while it runs, so a killed worker's call is retried within 20 s. */
export const { planRanges } = proxyActivities<typeof planActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

/** One copy slice: its time limit follows the slice length and its attempts the run's options. */
export function copyRangeSliceStub(startToCloseSeconds: number, maximumAttempts: number): typeof copyActivities.copyRangeSlice {
  return proxyActivities<typeof copyActivities>({
    startToCloseTimeout: `${startToCloseSeconds}s`,
    // A killed worker's slice is retried elsewhere once this passes without a heartbeat.
    heartbeatTimeout: '15s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts },
  }).copyRangeSlice;
}
