import { ApplicationFailure } from '@temporalio/common';
import { readRoutingState } from '../lib/control';
import { parseDuration } from '../lib/spec/duration';
import type { Timers } from '../lib/spec/lifecycle';
import { MigrationSpec, parseSpec } from '../lib/spec/schema';
import { controlPool } from './control-pool';
import { heartbeating } from './keepalive';

export interface MigrationPlan {
  /** The spec with every default applied; children get this, never the raw input. */
  spec: MigrationSpec;
  timersMs: Record<keyof Timers, number>;
  /** The stored routing version, so this run's versions continue from it (a re-run of an id). */
  routingVersion: number;
}

/**
 * Validates the spec as the workflow received it (from the CLI or the Temporal UI form) and
 * resolves defaults and durations here, so the workflow bundle needs neither zod nor parsing.
 */
export const prepareMigration = heartbeating(async (input: { spec: unknown }): Promise<MigrationPlan> => {
  const parsed = parseSpec(input.spec);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`invalid spec: ${parsed.problems.join('; ')}`, 'InvalidSpec');
  const { spec } = parsed;
  const timersMs = Object.fromEntries(Object.entries(spec.timers).map(([name, text]) => [name, parseDuration(text)])) as MigrationPlan['timersMs'];
  const current = await readRoutingState(controlPool(spec.control.connection), spec.id);
  return { spec, timersMs, routingVersion: current?.version ?? 0 };
});
