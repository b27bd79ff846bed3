import { log } from '../lib/log';
import { heldWritesRouting, publishRoutingState, routingFor, RoutingState } from '../lib/control';
import type { Phase, Sync } from '../lib/spec/lifecycle';
import { controlPool } from './control-pool';

export interface PublishRoutingInput {
  /** Connection name of the control store. */
  control: string;
  migrationId: string;
  /** Chosen by the workflow (one more than the last), so a retry publishes nothing new. */
  version: number;
  phase: Phase;
  /** Share of reads to the new database during the read ramp. */
  rampPercent?: number;
  /** Absent means dual_write. */
  sync?: Sync;
  /** CDC write switch: publish heldWritesRouting() (writes wait in the routers) instead of the phase's routing. */
  holdWrites?: boolean;
  actor: string;
  reason: string;
}

/** Enters a phase as far as applications are concerned: sets the routing state and logs who and why. */
export async function publishRouting(input: PublishRoutingInput): Promise<RoutingState> {
  const routing = input.holdWrites ? heldWritesRouting() : routingFor(input.phase, input.rampPercent, input.sync);
  const state = await publishRoutingState(controlPool(input.control), {
    ...routing,
    migrationId: input.migrationId,
    version: input.version,
    actor: input.actor,
    reason: input.reason,
  });
  log.info({ migrationId: input.migrationId, phase: state.phase, routing: state }, `routing v${state.version}: writes=${state.writes} reads=${state.reads}`);
  return state;
}
