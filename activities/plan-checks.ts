import { ApplicationFailure } from '@temporalio/common';
import { MigrationPlan, planMigration } from '../lib/plan';
import { parseSpec } from '../lib/spec/schema';
import { heartbeating } from './keepalive';

/**
 * `switchyard plan`'s checks of a spec against the real databases, run in the worker because only
 * the worker resolves connection names to URLs. Reads only; blockers are a result, not a failure.
 */
export const checkPlan = heartbeating(async (input: { spec: unknown }): Promise<MigrationPlan> => {
  const parsed = parseSpec(input.spec);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`invalid spec: ${parsed.problems.join('; ')}`, 'InvalidSpec');
  return planMigration(parsed.spec);
});
