/**
 * The quarantine gate before the write switch (issue #13 item 1). A quarantined record is one the
 * new database could not store: once it is the primary, that record is missing from what the
 * application reads and writes. So the switch waits until the quarantine is empty, or until a
 * human accepts it in an approval that names the count. `--auto-approve` never accepts it: it
 * approves the spec's routine gates, not records left behind.
 */
import { condition } from '@temporalio/workflow';
import { countQuarantine } from './migration-activities';
import { record, syncSearchAttributes } from './migration-state';
import type { MigrationState } from './migration-types';

export const QUARANTINE_GATE_PATCH = 'quarantine-gate';

export async function holdForQuarantine(s: MigrationState): Promise<void> {
  const { spec, timersMs } = s.plan!;
  for (;;) {
    const q = await countQuarantine({ migrationId: s.migrationId, spec });
    s.quarantine = { ...q, at: new Date().toISOString() };
    if (q.count === 0) {
      // Emptied while a human was asked: the question is moot.
      if (s.pendingApproval?.confirm !== undefined) s.pendingApproval = null;
      syncSearchAttributes(s);
      return;
    }
    const confirm = String(q.count);
    // A changed count asks again, so an approval always names the count it accepts.
    if (s.pendingApproval?.confirm !== confirm) {
      const where = Object.entries(q.entities)
        .map(([entity, n]) => `${entity}: ${n}`)
        .join(', ');
      s.pendingApproval = {
        phase: 'write_switch',
        since: new Date().toISOString(),
        reason:
          `${q.count} records are quarantined (${where}): the new database does not hold them. ` +
          `Empty the quarantine (switchyard_quarantine in the new database) and the switch goes on by itself, ` +
          `or accept them with approve --confirm ${q.count}`,
        confirm,
      };
      syncSearchAttributes(s);
    }
    // Counted again every gate interval, so emptying the quarantine needs no command.
    if (await condition(() => s.pendingApproval === null, timersMs.gateInterval)) {
      const approval = s.approval!;
      s.approval = undefined;
      s.quarantine.accepted = { count: q.count, by: approval.by };
      record(s, `accepted ${q.count} quarantined records`, approval.by, approval.note);
      return;
    }
  }
}
