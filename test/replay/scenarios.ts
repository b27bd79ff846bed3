import type { Client, WorkflowHandle } from '@temporalio/client';
import { approveUpdate, abortUpdate, pauseUpdate, resumeUpdate, rollbackUpdate, migrationWorkflow } from '../../workflows';
import type { DataFixture } from '../integration/backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from '../integration/migration-fixtures';
import { uniqueName } from '../support/temporal';

type Handle = WorkflowHandle<typeof migrationWorkflow>;

/**
 * The migrations whose histories CI replays against the current workflow code (test/replay).
 * Each returns the closed workflow's handle; scripts/record-histories.ts saves its history.
 */
export const SCENARIOS: Record<string, (client: Client, taskQueue: string, f: DataFixture) => Promise<Handle>> = {
  /** Every phase, approvals given automatically. */
  'happy-path': async (client, taskQueue, f) => {
    const handle = await startMigration(client, taskQueue, await migrationSpec(f, uniqueName('replay'), 20), { autoApprove: true });
    await handle.result();
    return handle;
  },

  /** A human approval, a manual rollback past two phases, re-approval, then an abort. */
  rollback: async (client, taskQueue, f) => {
    const handle = await startMigration(client, taskQueue, await migrationSpec(f, uniqueName('replay'), 20, { approvals: ['read_ramp'] }));
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'read_ramp');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', note: 'ramp' }] });
    await waitForStatus(handle, (s) => s.phase === 'read_ramp');
    await handle.executeUpdate(rollbackUpdate, { args: [{ to: 'verify', by: 'alice', reason: 'latency' }] });
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', note: 'fixed' }] });
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'read_ramp');
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'postponed' }] });
    await handle.result();
    return handle;
  },

  /** Paused during the dual-write soak, then resumed to the end. */
  pause: async (client, taskQueue, f) => {
    const spec = await migrationSpec(f, uniqueName('replay'), 20, {
      timers: { dualWriteSoak: '3s', shadowReadSoak: '1s', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s' },
    });
    const handle = await startMigration(client, taskQueue, spec, { autoApprove: true });
    await waitForStatus(handle, (s) => s.phase === 'dual_write');
    await handle.executeUpdate(pauseUpdate, { args: [{ by: 'bob', reason: 'incident' }] });
    await new Promise((r) => setTimeout(r, 1500));
    await handle.executeUpdate(resumeUpdate, { args: [{ by: 'bob' }] });
    await handle.result();
    return handle;
  },

  /** Every phase under CDC sync: slot before the backfill, stream slices, lag holds, teardown. */
  cdc: async (client, taskQueue, f) => {
    const handle = await startMigration(client, taskQueue, await migrationSpec(f, uniqueName('replay'), 20, { sync: 'cdc' }), { autoApprove: true });
    await handle.result();
    return handle;
  },
};
