/** Publishing a step's routing state: the one way the workflow changes what applications do. */
import { CancellationScope, patched } from '@temporalio/workflow';
import { routingFor, RoutingState, writePrimary } from '../lib/control/routing';
import { awaitRouterAcks, publishRouting } from './migration-activities';
import { runStepHooks } from './migration-hooks';
import { record, steps } from './migration-state';
import { Step, stepLabel } from './migration-steps';
import type { MigrationState } from './migration-types';

/**
 * A rollback cancelling the forward run must not cancel a publish already sent: the activity may
 * still write its version, and the state has to know it before the rollback picks its own.
 */
export const PUBLISH_UNCANCELLED_PATCH = 'routing-publish-not-cancelled';
/** A publish the store ignored (its version was not newer) is sent again above the stored one. */
export const REPUBLISH_PATCH = 'routing-republish-above-stored';

/**
 * A publish that moves the write primary (the write switch, a rollback before it) waits until
 * every router follows it or has lost its lease (and so refuses writes); see awaitRouterAcks.
 */
export const ROUTER_ACKS_PATCH = 'router-acks';
/**
 * CDC sync, a rollback moving writes from the new database back to the old one alone: writes are
 * held first, until every router has left the new-first routing. Else, until the last router
 * acknowledges, one still reading the new database (as the primary) misses a write another has
 * just made to the old one alone, which the stream has yet to bring over (torture seed 102).
 */
export const CDC_ROLLBACK_HOLD_PATCH = 'cdc-rollback-holds-writes';

/** Publishes the routing of step i with who and why, records the transition and makes i current. */
export async function publishStep(s: MigrationState, i: number, by: string, reason: string): Promise<void> {
  const step = steps(s)[i];
  const sync = s.plan!.spec.sync;
  const leavesNew = writePrimary(s.routing?.writes ?? 'old') === 'new' && writePrimary(routingFor(step.phase, step.percent, sync).writes) === 'old';
  if (sync === 'cdc' && leavesNew && patched(CDC_ROLLBACK_HOLD_PATCH))
    await publishHeldWrites(s, `${reason}: writes held until no router writes the new database first`);
  const own = (s.routing?.version ?? s.plan!.routingVersion) + 1;
  const publish = (version: number) => publishAt(s, step, version, by, reason);
  let state = patched(PUBLISH_UNCANCELLED_PATCH) ? await CancellationScope.nonCancellable(() => publish(own)) : await publish(own);
  // A publish cancelled before the patch above (a run begun on older code) may have written a version this state never saw.
  if (!holds(s, state, step) && patched(REPUBLISH_PATCH)) state = await CancellationScope.nonCancellable(() => publish(Math.max(state.version, own) + 1));
  const primaryMoved = writePrimary(state.writes) !== writePrimary(s.routing?.writes ?? 'old');
  s.routing = state;
  if (primaryMoved && patched(ROUTER_ACKS_PATCH)) await awaitAcks(s, state.version);
  const previous = steps(s)[s.step];
  s.step = i;
  record(s, stepLabel(step), by, reason, stepLabel(previous));
  await runStepHooks(s, previous, step, by, reason);
}

/**
 * CDC sync, entering the write switch: writes wait in the routers (heldWritesRouting) and the
 * workflow waits until no router still has a write in flight under the ramp's routing, so after
 * this the old database takes no write until the switch is published. Publishes above a version
 * the store may hold already, as publishStep does.
 */
export async function publishHeldWrites(s: MigrationState, reason: string): Promise<RoutingState> {
  const { spec } = s.plan!;
  const publish = (version: number) =>
    CancellationScope.nonCancellable(() =>
      publishRouting({
        control: spec.control.connection,
        migrationId: s.migrationId,
        version,
        phase: 'write_switch',
        sync: spec.sync,
        holdWrites: true,
        actor: 'workflow',
        reason,
      }),
    );
  const own = (s.routing?.version ?? s.plan!.routingVersion) + 1;
  let state = await publish(own);
  if (state.writes !== 'held') state = await publish(Math.max(state.version, own) + 1);
  s.routing = state;
  await awaitAcks(s, state.version);
  return state;
}

async function awaitAcks(s: MigrationState, version: number): Promise<void> {
  s.routerAcks = { version, acked: null, waiting: [], at: new Date().toISOString() };
  const r = await awaitRouterAcks({ control: s.plan!.spec.control.connection, migrationId: s.migrationId, version });
  s.routerAcks = { version, acked: r.acked, waiting: r.waiting, waitedMs: r.waitedMs, at: new Date().toISOString() };
}

function publishAt(s: MigrationState, step: Step, version: number, actor: string, reason: string): Promise<RoutingState> {
  const { spec } = s.plan!;
  return publishRouting({
    control: spec.control.connection,
    migrationId: s.migrationId,
    version,
    phase: step.phase,
    rampPercent: step.percent,
    ...(spec.sync === 'cdc' ? { sync: spec.sync } : {}),
    actor,
    reason,
  });
}

/** Whether the stored state returned by a publish is the routing of `step`, not a newer or equal version of another. */
function holds(s: MigrationState, stored: RoutingState, step: Step): boolean {
  const wanted = routingFor(step.phase, step.percent, s.plan!.spec.sync);
  return stored.phase === wanted.phase && stored.writes === wanted.writes && stored.reads === wanted.reads && stored.readPercent === wanted.readPercent;
}
