import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';

const { checkConnections } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

export interface PreflightInput {
  /** Connection names; the worker resolves each from SWITCHYARD_CONN_<NAME>. */
  connections: string[];
}

/** Checks that every named database answers and can be read and written. */
export async function preflightWorkflow(input: PreflightInput) {
  return { connections: await checkConnections({ connections: input.connections }) };
}
