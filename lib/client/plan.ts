import type { MigrationSpec } from '../spec/schema';
import { PLAN_WORKFLOW, PlanInput, PlanResult } from '../../workflows/plan-api';
import type { Session } from './connect';
import { failureReason, RequestRefused } from './errors';

/**
 * What a migration of `spec` will do and what blocks it, checked by a worker, which alone resolves
 * the spec's connection names to URLs. Blockers are part of the result; a check that could not run
 * is refused with the reason.
 */
export async function plan({ client, config }: Session, spec: MigrationSpec): Promise<{ workflowId: string; result: PlanResult }> {
  const workflowId = `plan-${spec.id}-${Date.now()}`;
  const run = await client.workflow.start<(input: PlanInput) => Promise<PlanResult>>(PLAN_WORKFLOW, {
    taskQueue: config.taskQueue,
    workflowId,
    args: [{ spec }],
  });
  try {
    return { workflowId, result: await run.result() };
  } catch (err) {
    throw new RequestRefused(failureReason(err));
  }
}
