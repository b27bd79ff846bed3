import { checkPlan } from './migration-activities';
import type { PlanInput, PlanResult } from './plan-api';

/** What a migration of this spec will do and what blocks it, checked against the real databases by a worker. */
export async function planWorkflow(input: PlanInput): Promise<PlanResult> {
  return checkPlan({ spec: input.spec });
}
