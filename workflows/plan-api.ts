/** The plan workflow's public surface: its name, input and result. Clients import this module, not workflows/plan.ts. */
import type { MigrationPlan } from '../lib/plan';
import type { MigrationSpec } from '../lib/spec/schema';

export const PLAN_WORKFLOW = 'planWorkflow';

export interface PlanInput {
  /** The spec names connections; the worker resolves them from SWITCHYARD_CONN_<NAME>. */
  spec: MigrationSpec;
}

export type PlanResult = MigrationPlan;
