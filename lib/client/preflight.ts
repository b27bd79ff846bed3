import { PREFLIGHT_WORKFLOW, PreflightInput, PreflightResult } from '../../workflows/preflight-api';
import type { Session } from './connect';
import { failureReason, RequestRefused } from './errors';

/**
 * Checks named connections through a worker, which alone resolves them to URLs: reachable,
 * version, read and write permission. A failed check is refused with every problem it found.
 */
export async function preflight({ client, config }: Session, connections: string[]): Promise<{ workflowId: string; result: PreflightResult }> {
  const workflowId = `preflight-${Date.now()}`;
  const run = await client.workflow.start<(input: PreflightInput) => Promise<PreflightResult>>(PREFLIGHT_WORKFLOW, {
    taskQueue: config.taskQueue,
    workflowId,
    args: [{ connections }],
  });
  try {
    return { workflowId, result: await run.result() };
  } catch (err) {
    throw new RequestRefused(failureReason(err));
  }
}
