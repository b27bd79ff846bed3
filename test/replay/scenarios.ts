import { Client, WorkflowHandle, WorkflowUpdateStage } from '@temporalio/client';
import { openTarget } from '../../lib/connectors';
import { pgPool } from '../../lib/connectors/clients';
import { quarantineEntry } from '../../lib/connectors/quarantine-entry';
import { readRoutingState, recordCounters, recordWrittenKeys } from '../../lib/control';
import { approveSignal, approveUpdate, abortUpdate, pauseUpdate, resumeUpdate, rollbackUpdate, migrationWorkflow } from '../../workflows';
import type { ApproveArgs, MigrationStatus } from '../../workflows';
import type { DataFixture } from '../integration/backfill-fixtures';
import { keepRetired, migrationSpec, startMigration, waitForStatus } from '../integration/migration-fixtures';
import { tcpProxy } from '../support/tcp-proxy';
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
      timers: { dualWriteSoak: '3s', shadowReadSoak: '1s', rampStepBake: '1s', rollbackWindow: '1s', gateInterval: '1s', retention: '1s' },
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
      migrationId: spec.id,
      routingVersion: shadow.routing!.version,
      instanceId: 'app-1',
      comparisons: 200,
      mismatches: 9,
      operations: 100,
      errors: 0,
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

  /** CDC: the write switch approved, rolled back to the read ramp (writes held first), re-approved through to the end. */
  'cdc-rollback': async (client, taskQueue, f) => {
    const spec = await migrationSpec(f, uniqueName('replay'), 20, { sync: 'cdc', approvals: ['write_switch', 'complete'] });
    const handle = await startMigration(client, taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'complete');
    await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'alice', reason: 'latency' }] });
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', note: 'again' }] });
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'complete');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
    await handle.result();
    return handle;
  },

  /** A final verification that fails on a key nobody wrote since the switch, repaired from the primary. */
  'final-repair': async (client, taskQueue, f) => {
    const table = uniqueName('replay');
    const handle = await startMigration(client, taskQueue, await migrationSpec(f, table, 20, { approvals: ['decommission'] }));
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission');
    await f.pg.query(`update ${table} set qty = -1 where id = 7`);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'dana' }] });
    await waitForStatus(handle, (s) => s.state === 'failed');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'dana', action: 'repair' }] });
    await keepRetired(handle);
    return handle;
  },

  /**
   * A rollback from complete with the new database unreachable: the bounded copy-back stalls, the
   * operator waits once, then flips; an abort while undoing the write switch ends it.
   */
  'copy-back-stall': async (client, taskQueue, f) => {
    const mongo = new URL(process.env.SWITCHYARD_CONN_MONGO as string);
    const proxy = await tcpProxy(mongo.hostname, Number(mongo.port));
    try {
      process.env.SWITCHYARD_CONN_MONGOREPLAY = `mongodb://127.0.0.1:${proxy.port}/`;
      const table = uniqueName('replay');
      const spec = await migrationSpec(f, table, 20, { approvals: ['decommission'] });
      spec.target = { ...spec.target, connection: 'MONGOREPLAY' };
      const handle = await startMigration(client, taskQueue, spec);
      await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission');
      const control = pgPool(f.pgConnection);
      const { version } = (await readRoutingState(control, spec.id))!;
      await recordWrittenKeys(control, spec.id, table, version, [[3]]);
      proxy.blackhole();
      await handle.startUpdate(rollbackUpdate, { args: [{ by: 'frank', reason: 'new db sick' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      await waitForStatus(handle, (s) => s.copyBack?.state === 'stalled');
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'frank', action: 'wait' }] });
      await waitForStatus(handle, (s) => s.copyBack?.state === 'stalled' && s.copyBack.attempts >= 2);
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'frank', action: 'flip' }] });
      await waitForStatus(handle, (s) => s.phase === 'write_switch' && s.state === 'waiting_approval');
      await handle.executeUpdate(abortUpdate, { args: [{ by: 'frank', reason: 'postponed' }] });
      await handle.result();
      return handle;
    } finally {
      proxy.restore();
      await proxy.close();
    }
  },

  /**
   * Gates over a sliding window: shadow reads without samples ask a human after maxSampleWait;
   * in write_switch a breach holds for a human, who goes on, then aborts.
   */
  gates: async (client, taskQueue, f) => {
    const spec = await migrationSpec(f, uniqueName('replay'), 20, {
      approvals: [],
      timers: { dualWriteSoak: '1s', shadowReadSoak: '1s', rampStepBake: '1s', rollbackWindow: '1h', gateInterval: '1s', maxSampleWait: '2s' },
      ramp: [100],
      gates: { minSamples: 10, maxMismatchRate: 0.01, maxErrorRate: 0.01, maxLagSeconds: 5 },
    });
    const handle = await startMigration(client, taskQueue, spec);
    const report = (s: MigrationStatus, comparisons: number, mismatches: number) =>
      recordCounters(pgPool(f.pgConnection), {
        migrationId: spec.id,
        routingVersion: s.routing!.version,
        instanceId: 'app-1',
        comparisons,
        mismatches,
        operations: comparisons,
        errors: 0,
      });
    await waitForStatus(handle, (s) => s.phase === 'shadow_read' && s.pendingApproval !== null);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'gail', note: 'rarely read' }] });
    await report(await waitForStatus(handle, (s) => s.phase === 'read_ramp'), 20, 0);
    await report(await waitForStatus(handle, (s) => s.phase === 'write_switch'), 100, 30);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'gail', note: 'explained' }] });
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'gail', reason: 'postponed' }] });
    await handle.result();
    return handle;
  },

  /**
   * The write switch held by a quarantine until a human accepts its count; a final verification
   * checking a key written since the switch against the primary; the old table retired, restored
   * by a rollback during the retention period, retired again, then dropped on an approval naming it.
   */
  decommission: async (client, taskQueue, f) => {
    const table = uniqueName('replay');
    const spec = await migrationSpec(f, table, 20, { approvals: ['decommission'] });
    spec.timers.retention = '10s';
    await openTarget(spec, table).quarantine([quarantineEntry(table, [101], 'replay: a value the target cannot hold', { _id: 101 })]);
    const handle = await startMigration(client, taskQueue, spec);
    const approve = (args: Omit<ApproveArgs, 'by'>) => handle.executeUpdate(approveUpdate, { args: [{ by: 'hana', ...args }] });
    await waitForStatus(handle, (s) => s.pendingApproval?.confirm === '1');
    await approve({ confirm: '1', note: 'one test row' });
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission');
    const control = pgPool(f.pgConnection);
    await f.mongo.collection(table).updateOne({ _id: 3 as never }, { $set: { qty: 33, version: 2 } });
    await recordWrittenKeys(control, spec.id, table, (await readRoutingState(control, spec.id))!.version, [[3]]);
    await approve({});
    await waitForStatus(handle, (s) => s.decommission?.state === 'retired');
    await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'hana', reason: 'one more look' }] });
    await approve({ note: 'looked' });
    const asked = await waitForStatus(handle, (s) => s.decommission?.state === 'retired' && s.pendingApproval?.choices?.includes('drop') === true);
    await approve({ action: 'drop', confirm: asked.pendingApproval!.confirm });
    await handle.result();
    return handle;
  },
};
