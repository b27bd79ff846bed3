/**
 * CDC sync (spec.sync "cdc", docs/cdc.md): preflight blockers, the slot before the backfill, the
 * stream from the backfill's end to the write switch as a loop of activity slices, the lag gate
 * before verify, shadow reads and the write switch, and teardown on complete, abort or rollback
 * to preflight. Every command here is behind one patch so recorded histories keep replaying.
 */
import { ApplicationFailure, CancellationScope, condition, isCancellation, patched, sleep } from '@temporalio/workflow';
import { failureMessage } from './backfill-control';
import { cdcDrainWhileHeld, cdcPreflight, cdcPrepare, cdcStream, cdcTeardown } from './migration-activities';
import { publishHeldWrites, publishStep } from './migration-routing';
import type { MigrationRuntime, StreamLoop } from './migration-runtime';
import { record, syncSearchAttributes } from './migration-state';
import type { Step } from './migration-steps';
import type { MigrationState } from './migration-types';
import type { RoutingState } from '../lib/control/routing';

export const CDC_PATCH = 'migration-cdc-sync';
/**
 * The gates see a stream that stopped delivering slices as falling behind: before, they read the
 * last slice's lag however old it was, so a stalled stream read as lag 0 and the ramp went green.
 */
export const STALE_LAG_PATCH = 'cdc-stale-lag';
/**
 * Slot and publication are dropped on entering complete, not when the workflow ends: before, the
 * slot retained the source's WAL through the decommission approval and final verification.
 */
export const TEARDOWN_AT_COMPLETE_PATCH = 'cdc-teardown-at-complete';
/**
 * The write switch holds writes while the stream drains to zero lag, and publishes the switch
 * only then: before, it was published first and the stream kept applying the old database's
 * changes for 5 s over the new primary, whose readers meanwhile missed writes still in the WAL.
 */
export const DRAIN_BEFORE_SWITCH_PATCH = 'cdc-drain-before-switch';

/** A slice returns often enough for status and gates to see fresh lag, rarely enough to keep history small. */
const SLICE_MS = 10_000;

/** Entered only once the stream is within spec.gates.maxLagSeconds. */
const LAG_GATED: ReadonlySet<Step['phase']> = new Set(['verify', 'shadow_read', 'write_switch']);
/** Steps that read from, or switch writes to, a new database only the stream keeps current. */
const NEEDS_STREAM: ReadonlySet<Step['phase']> = new Set([...LAG_GATED, 'read_ramp']);
/**
 * Not before the backfill has copied everything (applying a delete first would let the copy
 * resurrect the row), and not once the new database is primary (the old one then only repeats
 * the routers' writes, and re-applying its state could undo a newer one on the primary).
 */
const STREAMED: ReadonlySet<Step['phase']> = new Set(['verify', 'shadow_read', 'read_ramp', 'write_switch']);
/** Routers follow a routing change within a second (lib/router); the rest is margin. */
const ROUTERS_FOLLOW_MS = 5_000;

/** Only CDC specs call patched(): dual-write histories never see the marker. */
export function usesCdc(s: MigrationState): boolean {
  return s.plan!.spec.sync === 'cdc' && patched(CDC_PATCH);
}

const ref = (s: MigrationState) => ({ migrationId: s.migrationId, spec: s.plan!.spec });

export async function cdcPreflightStep(s: MigrationState): Promise<void> {
  const { blockers } = await cdcPreflight(ref(s));
  if (blockers.length) throw ApplicationFailure.nonRetryable(`CDC cannot run: ${blockers.join('; ')}`, 'CdcBlocked');
}

/** Publication and slot before the backfill: the slot then holds every change the copy might miss. */
export async function cdcPrepareStep(s: MigrationState): Promise<void> {
  const prepared = await cdcPrepare(ref(s));
  s.cdc = { identityChanges: prepared.identityChanges, slices: s.cdc?.slices ?? 0 };
}

/** Keeps the stream running while step `step` is waited for and run, from the end of the backfill until the switch. */
export function streamDuring(s: MigrationState, rt: MigrationRuntime, step: Step): void {
  if (!STREAMED.has(step.phase) || !s.cdc || s.cdc.lost || s.cdc.retired || s.cdc.switched || (rt.stream && !rt.stream.ended)) return;
  const stream: StreamLoop = { scope: new CancellationScope(), done: Promise.resolve() };
  stream.done = stream.scope.run(() => streamLoop(s, stream));
  rt.stream = stream;
}

/**
 * Once the write switch is published: routers still on the old routing write only the old
 * database for up to a second, so keep streaming past that, then stop and drain to the end of
 * the WAL. From here the routers write the new database first.
 */
export async function finishStreamAtSwitch(s: MigrationState, rt: MigrationRuntime): Promise<void> {
  if (!s.cdc || s.cdc.switched) return;
  await sleep(ROUTERS_FOLLOW_MS);
  await stopStream(rt);
  note(s, await cdcStream({ ...ref(s), untilCaughtUp: true }));
  s.cdc.switched = true;
}

/** Whether entering `step` is a CDC write switch that holds writes and drains first (patch cdc-drain-before-switch). */
function drainsBeforeSwitch(s: MigrationState, step: Step): boolean {
  const cdc = s.cdc;
  return step.phase === 'write_switch' && !!cdc && !cdc.switched && !cdc.lost && !cdc.retired && patched(DRAIN_BEFORE_SWITCH_PATCH);
}

/**
 * Publishes step i's routing; the CDC write switch only once the new database has every write
 * (switchWritesAfterDrain). Returns why the switch could not be made, else nothing.
 */
export async function publishCdcStep(s: MigrationState, rt: MigrationRuntime, i: number, by: string, reason: string, step: Step): Promise<string | undefined> {
  if (!drainsBeforeSwitch(s, step)) return void (await publishStep(s, i, by, reason));
  return switchWritesAfterDrain(s, rt, () => publishStep(s, i, by, reason));
}

/**
 * The CDC write switch. While writes still flow, the stream loop has ended with the slice that let
 * holdForLag through (ending it by cancellation would take until the activity's next heartbeat,
 * seconds, holding the slot until then), and one drain catches the stream up. Then writes are
 * held in the routers, the workflow waits until none is still in flight to the old database,
 * drains what came in since (the last second or so: zero lag, as the old database now takes no
 * write through a router), and publishes the switch, which releases the held writes to the new
 * primary. The pause is the time between the two published states, on the control store's clock.
 * A drain that fails or outlasts its bound releases the writes to the ramp's routing and fails
 * the step for a human.
 */
async function switchWritesAfterDrain(s: MigrationState, rt: MigrationRuntime, publishSwitch: () => Promise<void>): Promise<string | undefined> {
  const cdc = s.cdc!;
  let held: RoutingState | undefined;
  try {
    await stopStream(rt);
    note(s, await cdcStream({ ...ref(s), untilCaughtUp: true }));
    held = await publishHeldWrites(s, 'writes held while the CDC stream drains for the write switch');
    note(s, await cdcDrainWhileHeld({ ...ref(s), untilCaughtUp: true }));
  } catch (err) {
    if (isCancellation(err)) throw err;
    const why = `CDC stream not drained for the write switch: ${failureMessage(err)}`;
    if (held) await publishStep(s, s.step, 'workflow', `writes released, switch not made: ${why}`);
    return why;
  }
  await publishSwitch();
  cdc.switched = true;
  cdc.writePauseMs = Date.parse(s.routing!.at) - Date.parse(held.at);
  record(s, 'writes on the new database', 'workflow', `writes were held ${cdc.writePauseMs} ms while the CDC stream drained to zero lag`);
  return undefined;
}

/** Back before the write switch, the old database is primary again and the stream must follow it. */
export function resumeStreamingAfterUndo(s: MigrationState, landedBeforeSwitch: boolean): void {
  if (s.cdc && landedBeforeSwitch) s.cdc.switched = undefined;
}

/** Ends the stream of a forward run that is over (done, continued as new or rolled back). */
export async function stopStream(rt: MigrationRuntime): Promise<void> {
  const stream = rt.stream;
  if (!stream) return;
  rt.stream = undefined;
  stream.scope.cancel();
  await stream.done;
}

async function streamLoop(s: MigrationState, loop: StreamLoop): Promise<void> {
  try {
    do {
      s.cdc!.sliceStartedMs = Date.now();
      note(s, await cdcStream({ ...ref(s), sliceMs: SLICE_MS }));
    } while (!loop.endWhen?.());
  } catch (err) {
    if (isCancellation(err)) return;
    // Only a lost slot ends the stream (everything else is retried): changes are gone, say so now.
    s.cdc!.lost = `CDC stream stopped: ${failureMessage(err)}; roll back to preflight to copy again, or abort`;
    record(s, 'cdc stream lost', 'workflow', s.cdc!.lost);
  } finally {
    if (s.cdc) s.cdc.sliceStartedMs = undefined;
    loop.ended = true;
  }
}

function note(s: MigrationState, st: Awaited<ReturnType<typeof cdcStream>>): void {
  s.cdc!.slices++;
  s.cdc!.lag = {
    bytes: st.lagBytes,
    seconds: st.lagSeconds,
    retainedBytes: st.retainedBytes,
    caughtUp: st.caughtUp,
    warnings: st.warnings,
    at: new Date().toISOString(),
  };
}

/**
 * Holds entry to a lag-gated step until a slice that ended after this call measured lag within
 * the threshold. Entering the CDC write switch, the stream loop ends with that slice. Returns why the step cannot be entered at all (the stream was lost), else nothing.
 */
export async function holdForLag(s: MigrationState, step: Step, rt: MigrationRuntime): Promise<string | undefined> {
  const cdc = s.cdc;
  if (!cdc || !NEEDS_STREAM.has(step.phase)) return undefined;
  if (cdc.retired) return cdc.retired;
  if (!LAG_GATED.has(step.phase)) return cdc.lost;
  const max = s.plan!.spec.gates.maxLagSeconds;
  const after = cdc.slices;
  // The write switch drains on its own next: the loop ends with the slice that lets it through.
  if (rt.stream && drainsBeforeSwitch(s, step)) rt.stream.endWhen = () => cdc.lag!.seconds <= max;
  cdc.holding = step.phase;
  syncSearchAttributes(s);
  try {
    await condition(() => cdc.lost !== undefined || (cdc.slices > after && cdc.lag!.seconds <= max));
  } finally {
    cdc.holding = undefined;
  }
  return cdc.lost;
}

/**
 * What the health gates see as lag: a lost stream is infinitely behind, so the gate rolls reads
 * back; a slice running past its length (retrying, stuck on a lock, a source not answering) has
 * applied nothing the workflow knows of, so the lag is at least how long it is overdue. Only the
 * overdue part counts: a healthy slice reports after SLICE_MS, longer than the default threshold.
 * The workflow clock only feeds the gate activity's input; the verdict comes back from history.
 */
export function gateLagSeconds(s: MigrationState): { lagSeconds: number } | Record<string, never> {
  if (!s.cdc) return {};
  if (s.cdc.lost || s.cdc.retired) return { lagSeconds: Number.MAX_SAFE_INTEGER };
  if (!s.cdc.lag) return {};
  const started = s.cdc.sliceStartedMs;
  if (started === undefined || !patched(STALE_LAG_PATCH)) return { lagSeconds: s.cdc.lag.seconds };
  const overdueSeconds = Math.max(0, Date.now() - started - SLICE_MS) / 1000;
  return { lagSeconds: Math.max(s.cdc.lag.seconds, overdueSeconds) };
}

/** Slot and publication dropped, replica identities restored: on abort, rollback to preflight, or the end. */
export async function cdcTeardownStep(s: MigrationState): Promise<void> {
  if (!s.cdc?.retired) await cdcTeardown({ ...ref(s), identityChanges: s.cdc?.identityChanges ?? [] });
  s.cdc = undefined;
}

/**
 * On entering complete the new database is primary and the stream has been drained at the switch:
 * the slot would only retain WAL. Dropped now; a rollback behind the switch then needs a new copy,
 * which entry to any step that needs the stream says.
 */
export async function retireCdcAtComplete(s: MigrationState): Promise<void> {
  if (!s.cdc || s.cdc.retired || !patched(TEARDOWN_AT_COMPLETE_PATCH)) return;
  await cdcTeardown({ ...ref(s), identityChanges: s.cdc.identityChanges });
  s.cdc.retired = 'CDC slot dropped at complete: the stream cannot resume; roll back to preflight to copy again, or abort';
  s.cdc.identityChanges = [];
}
