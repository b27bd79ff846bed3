/**
 * Copying back, on a rollback past the write switch, the keys written while the new database was
 * primary. The copy runs in bounded slices (one gate interval each), so it never holds the
 * rollback on a sick primary: when the old database took every write (undoing the write switch,
 * where routers wrote new then old) a failed slice moves routing at once; when the old database
 * is behind (undoing complete) the operator chooses to wait or to flip now. Flipping queues the
 * keys for the old database in the reconcile queue, so the list of keys to repair is kept.
 */
import { condition, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { CopyBackCursor } from '../activities/compensations';
import { failureMessage } from './backfill-control';
import type { MigrationRuntime } from './migration-runtime';
import { record, syncSearchAttributes } from './migration-state';
import type { CopyBackStatus, MigrationState } from './migration-types';

export const COPY_BACK_BOUNDED_PATCH = 'rollback-bounded-copy-back';

/** Keys per slice: one page of the written-keys record, so progress moves every slice. */
const SLICE_KEYS = 500;

const { countKeysToCopyBack, queueCopyBackKeys } = proxyActivities<typeof activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export const COPY_BACK_PROMPT =
  'the new database does not answer and the old one lacks keys written since the switch: ' +
  'approve with action "wait" to try the copy-back again, or "flip" to move routing now and keep the keys queued for the old database';

type UndonePhase = CopyBackStatus['phase'];

/** Copies the keys back, or queues them and lets routing move; returns whether they were queued. */
export async function copyBack(s: MigrationState, rt: MigrationRuntime, phase: UndonePhase, by: string): Promise<boolean> {
  const { spec, timersMs } = s.plan!;
  const ref = { migrationId: s.migrationId, spec, sinceVersion: s.switchVersion!, phase };
  // Each slice ends within one gate interval, whatever the new database does.
  const { copyBackSlice } = proxyActivities<typeof activities>({
    scheduleToCloseTimeout: Math.max(1000, timersMs.gateInterval),
    retry: { initialInterval: '200ms', maximumInterval: '1s' },
  });
  const status: CopyBackStatus = { phase, state: 'copying', copied: 0, total: await countKeysToCopyBack(ref), attempts: 1 };
  s.copyBack = status;
  let cursor: CopyBackCursor | undefined;
  for (;;) {
    try {
      const slice = await copyBackSlice({ ...ref, ...(cursor ? { cursor } : {}), maxKeys: SLICE_KEYS });
      cursor = slice.cursor;
      status.copied = Object.values(cursor.copied).reduce((a, b) => a + b, 0);
      status.error = undefined;
      if (slice.done) {
        status.state = 'done';
        return false;
      }
      if (!abortRequested(rt)) continue;
    } catch (err) {
      status.error = failureMessage(err);
    }
    // Undoing the write switch: the routers wrote the old database second, and queued what it missed.
    const flip = phase === 'write_switch' || abortRequested(rt) || (await ask(s, rt, status)) === 'flip';
    if (flip) {
      status.queued = await queueCopyBackKeys({ ...ref, reason: `rollback moved routing before the copy-back: ${status.error ?? 'abort'}` });
      status.state = 'queued';
      record(s, `copy-back queued ${status.queued} keys for the old database`, by, status.error ?? 'abort requested');
      return true;
    }
    status.attempts++;
    status.state = 'copying';
  }
}

function abortRequested(rt: MigrationRuntime): boolean {
  return rt.request?.kind === 'abort';
}

/** Holds the rollback until the operator answers (approve with action wait or flip) or aborts, which flips. */
async function ask(s: MigrationState, rt: MigrationRuntime, status: CopyBackStatus): Promise<'wait' | 'flip'> {
  status.state = 'stalled';
  s.pendingApproval = { phase: status.phase, since: new Date().toISOString(), reason: COPY_BACK_PROMPT, choices: ['wait', 'flip'] };
  syncSearchAttributes(s);
  await condition(() => status.choice !== undefined || abortRequested(rt));
  const choice = status.choice ?? 'flip';
  status.choice = undefined;
  s.pendingApproval = null;
  return choice;
}
