import type { Client, WorkflowHandle } from '@temporalio/client';
import { pgPool } from '../../lib/connectors/clients';
import { recordCounters } from '../../lib/control';
import {
  approveSignal, approveUpdate, abortUpdate, pauseUpdate, resumeUpdate, rollbackUpdate, migrationWorkflow,
} from '../../workflows';
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

  /**
   * A backfill and verification long enough for a progress report mid-copy (throttled to 200
   * rows/s), a health-gate breach in shadow reads that rolls back by itself, a re-approval sent
   * as a signal (the Temporal UI's way), then an abort.
   */
  'gate-breach': async (client, taskQueue, f) => {
    const spec = await migrationSpec(f, uniqueName('replay'), 2400, {
      approvals: [],
      timers: { dualWriteSoak: '1s', shadowReadSoak: '1h', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s' },
    });
    spec.backfill = { ...spec.backfill, maxRowsPerSecond: 200 };
    const handle = await startMigration(client, taskQueue, spec);
    const shadow = await waitForStatus(handle, (s) => s.phase === 'shadow_read' && s.gates.latest?.verdict === 'green', 120_000);
    await recordCounters(pgPool(f.pgConnection), {
      migrationId: spec.id, routingVersion: shadow.routing!.version, instanceId: 'app-1', comparisons: 200, mismatches: 9, operations: 100, errors: 0,
    });
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'shadow_read');
    await handle.signal(approveSignal, { by: 'erin', note: 'mismatches explained' });
    await waitForStatus(handle, (s) => s.phase === 'shadow_read' && s.gates.latest?.verdict === 'green');
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'erin', reason: 'postponed' }] });
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
