/**
 * Draining the routers' reconcile queue (keys whose secondary write failed) while they dual-write:
 * alongside every gate interval of a soak, and fully before the steps that compare both sides or
 * make the new database primary. With CDC sync too (patch cdc-reconcile-drain): before the switch
 * the queue holds shadow-read mismatches, after it the writes the old database (now secondary)
 * missed, and intents of routers that died between their two writes. Every command here is
 * behind a patch so recorded histories keep replaying.
 */
import { isCancellation, patched } from '@temporalio/workflow';
import type { Phase } from '../lib/spec/lifecycle';
import { failureMessage } from './backfill-control';
import { drainQueueBeforeEntry, drainQueueInPassing } from './migration-activities';
import { currentStep } from './migration-state';
import type { Step } from './migration-steps';
import type { SoakOptions } from './migration-timers';
import type { MigrationState } from './migration-types';

export const RECONCILE_PATCH = 'migration-reconcile-drain';
/** CDC migrations drain the queue too: before, nothing did, so keys queued after the switch stayed behind on the old database. */
export const CDC_RECONCILE_PATCH = 'cdc-reconcile-drain';

/** Verification must not count a queued key as a mismatch; the new primary must hold every write. */
const DRAINED_BEFORE: ReadonlySet<Phase> = new Set(['verify', 'write_switch', 'decommission']);

function drainsQueue(s: MigrationState): boolean {
  return s.plan!.spec.sync === 'dual_write' ? patched(RECONCILE_PATCH) : patched(CDC_RECONCILE_PATCH);
}

const ref = (s: MigrationState) => ({ migrationId: s.migrationId, spec: s.plan!.spec, phase: currentStep(s)?.phase });

function note(s: MigrationState, remaining: number): void {
  s.reconcileQueue = { depth: remaining, at: new Date().toISOString() };
}

/**
 * Drains the queue before entering `step` when the step needs it. Returns why it could not (a
 * side stayed unreachable through the retries), so the step fails and waits for a human.
 */
export async function drainBeforeEntry(s: MigrationState, step: Step): Promise<string | undefined> {
  if (!DRAINED_BEFORE.has(step.phase) || !drainsQueue(s)) return undefined;
  try {
    note(s, (await drainQueueBeforeEntry(ref(s))).remaining);
    return undefined;
  } catch (err) {
    if (isCancellation(err)) throw err;
    return `reconcile queue not drained before ${step.phase}: ${failureMessage(err)}`;
  }
}

/**
 * A soak that also drains at every gate interval, next to the gate check if it has one. A drain
 * that fails is tried again at the next interval: a side being down is the gates' business.
 * The gate never waits for the drain: with the new database down a drain spends its retries on
 * connect timeouts, and a gate held behind it would notice the outage that much later. One drain
 * runs at a time; a green gate waits for it, so the soak never ends with a drain still running.
 */
export function draining(s: MigrationState, opts: SoakOptions = {}): SoakOptions {
  if (!drainsQueue(s)) return opts;
  const gate = opts.check;
  let running: Promise<void> | undefined;
  return {
    ...opts,
    everyMs: opts.everyMs ?? s.plan!.timersMs.gateInterval,
    check: async (leftMs) => {
      if (!running) {
        running = drainInPassing(s).finally(() => (running = undefined));
        // A breach cancels the soak while the gate, not the drain, is awaited: the drain's
        // cancellation must not surface as an unhandled rejection (it fails the workflow task).
        running.catch(() => undefined);
      }
      const drain = running;
      const ok = gate ? await gate(leftMs) : true;
      if (ok) await drain;
      return ok;
    },
  };
}

async function drainInPassing(s: MigrationState): Promise<void> {
  try {
    note(s, (await drainQueueInPassing(ref(s))).remaining);
  } catch (err) {
    if (isCancellation(err)) throw err;
    s.reconcileQueue = { depth: s.reconcileQueue?.depth ?? null, at: new Date().toISOString(), error: failureMessage(err) };
  }
}
