/** Publishing a step's routing state: the one way the workflow changes what applications do. */
import { publishRouting } from './migration-activities';
import { record, steps } from './migration-state';
import { stepLabel } from './migration-steps';
import type { MigrationState } from './migration-types';

/** Publishes the routing of step i with who and why, records the transition and makes i current. */
export async function publishStep(s: MigrationState, i: number, by: string, reason: string): Promise<void> {
  const step = steps(s)[i];
  const plan = s.plan!;
  s.routing = await publishRouting({
    control: plan.spec.control.connection,
    migrationId: s.migrationId,
    version: (s.routing?.version ?? plan.routingVersion) + 1,
    phase: step.phase,
    rampPercent: step.percent,
    ...(plan.spec.sync === 'cdc' ? { sync: plan.spec.sync } : {}),
    actor: by,
    reason,
  });
  const from = stepLabel(steps(s)[s.step]);
  s.step = i;
  record(s, stepLabel(step), by, reason, from);
}
