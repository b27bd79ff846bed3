/**
 * Decommission retires the old database for real, in two steps (issue #12 item 8). Retire: once
 * the final verification passed, the old tables or collections are renamed to their retired names
 * (lib/connectors/retired-name.ts), so nothing writes them unseen, and kept for `timers.retention`;
 * a rollback meanwhile renames them back. Drop: only after the retention period, on a human
 * approval naming what is dropped, asked when the spec gates decommission on a human.
 * `--auto-approve` never drops: like a spec without that approval, it keeps them and ends.
 */
import { condition, isCancellation } from '@temporalio/workflow';
import { failureMessage } from './backfill-control';
import { dropRetired, restoreOld, retireOld } from './migration-activities';
import { record, syncSearchAttributes } from './migration-state';
import { soak } from './migration-timers';
import type { DecommissionStatus, MigrationState } from './migration-types';

export const DECOMMISSION_RETIRE_PATCH = 'decommission-retire';

const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

const oldSide = (s: MigrationState) => ({ migrationId: s.migrationId, spec: s.plan!.spec, tag: s.migrationId });
const named = (d: DecommissionStatus) => d.retired.map((n) => n.retiredAs).join(',');

/** Retired (or being retired) by this entry of decommission: a resumed run goes on with the retention instead of verifying again. */
export function retiredHere(s: MigrationState): boolean {
  return s.decommission?.state === 'retiring' || s.decommission?.state === 'retired';
}

/** Whether decommission can still be undone: nothing is dropped or being dropped. */
export function oldTablesKept(s: MigrationState): boolean {
  const state = s.decommission?.state;
  return state !== 'dropping' && state !== 'dropped' && state !== 'kept';
}

/** Returns why decommission is left, or null to continue as new mid-retention. */
export async function retireAndDrop(s: MigrationState, shouldYield: () => boolean): Promise<{ left: string } | null> {
  const { spec, timersMs } = s.plan!;
  const retentionMs = timersMs.retention ?? DEFAULT_RETENTION_MS;
  if (s.decommission?.state !== 'retired') {
    const at = new Date();
    s.decommission = { state: 'retiring', retired: [], at: at.toISOString(), retainUntil: new Date(at.getTime() + retentionMs).toISOString() };
    s.decommission.retired = await retireOld(oldSide(s));
    s.decommission.state = 'retired';
    record(
      s,
      'retired the old tables',
      'workflow',
      `${named(s.decommission)} kept ${spec.timers.retention ?? '7d'}, until ${s.decommission.retainUntil}; a rollback restores them`,
    );
  }
  if ((await soak(s, retentionMs, { shouldYield })) === 'yield') return null;
  return dropOrKeep(s);
}

async function dropOrKeep(s: MigrationState): Promise<{ left: string }> {
  const d = s.decommission!;
  const names = named(d);
  // Nobody to ask: a drop is never automatic, so the tables stay retired and the migration ends.
  if (s.autoApprove || !s.plan!.spec.approvals.includes('decommission')) {
    const why = s.autoApprove ? 'auto-approved: --auto-approve never drops' : "nobody is asked to drop: decommission is not in the spec's approvals";
    d.state = 'kept';
    record(s, 'keep retired tables', s.autoApprove ? s.actor : 'workflow', `${why}; ${names} stay retired until dropped by hand`);
    return { left: 'retired tables kept' };
  }
  for (;;) {
    s.pendingApproval = {
      phase: 'decommission',
      since: new Date().toISOString(),
      reason:
        `retention over${d.error ? ` (the last drop failed: ${d.error})` : ''}: drop ${names} with approve --action drop --confirm ${names}, ` +
        'keep them retired and end with approve --action keep, or rollback to restore them',
      choices: ['drop', 'keep', 'rollback'],
      confirm: names,
    };
    syncSearchAttributes(s);
    await condition(() => s.pendingApproval === null);
    const approval = s.approval!;
    s.approval = undefined;
    if (approval.action === 'keep') {
      d.state = 'kept';
      record(s, 'keep retired tables', approval.by, approval.note);
      return { left: 'retired tables kept' };
    }
    d.state = 'dropping';
    record(s, `drop ${names}`, approval.by, approval.note);
    try {
      d.dropped = await dropRetired(oldSide(s));
      d.state = 'dropped';
      d.error = undefined;
      return { left: `dropped ${names}` };
    } catch (err) {
      if (isCancellation(err)) throw err;
      d.state = 'retired';
      d.error = failureMessage(err);
      record(s, 'drop failed', 'workflow', d.error);
    }
  }
}

/** Undoing decommission: the retired tables get their names back before routing moves to complete. */
export async function restoreRetired(s: MigrationState, by: string): Promise<void> {
  const d = s.decommission;
  if (!d || !retiredHere(s)) return;
  await restoreOld(oldSide(s));
  d.state = 'restored';
  record(s, 'restored the old tables', by, named(d));
}
