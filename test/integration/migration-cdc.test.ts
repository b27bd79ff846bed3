import { readRoutingLog } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import { cdcTeardown } from '../../activities/cdc';
import type { MigrationSpec } from '../../lib/spec/schema';
import { abortUpdate, approveUpdate, rollbackUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { cdcMigrationSpec, cdcPublicationExists, cdcSlotExists, sourceUsers, stallStream, targetUsers } from './cdc-migration-fixtures';
import { createUsersAndOrders, writeLoad } from './cdc-fixtures';
import { keepRetired, retiredTable, startMigration, waitForStatus } from './migration-fixtures';

describe('migration workflow with sync "cdc"', () => {
  const h = useDataStack('migcdc');
  const started: MigrationSpec[] = [];

  afterAll(async () => {
    // A slot left behind would keep the fixture database from being dropped.
    for (const spec of started) await cdcTeardown({ migrationId: spec.id, spec }).catch(() => undefined);
  });

  async function startCdc(
    approvals: MigrationSpec['approvals'],
    cdcOptions: Partial<MigrationSpec['cdc']> = {},
    timers: Partial<MigrationSpec['timers']> = {},
  ) {
    const users = uniqueName('users');
    const orders = uniqueName('orders');
    await createUsersAndOrders(h.f, users, orders);
    const base = cdcMigrationSpec(h.f, users, orders, approvals);
    const spec = { ...base, cdc: { ...base.cdc, ...cdcOptions }, timers: { ...base.timers, ...timers } };
    started.push(spec);
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: false });
    return { spec, handle, users, orders };
  }

  it('streams writes made during the backfill and after it, writes only the old database until the switch, and drops its slot at complete', async () => {
    const { spec, handle, users, orders } = await startCdc(['write_switch', 'decommission']);
    let stopped = false;
    const writes = writeLoad(h.f.pg, () => stopped, { users, orders, pauseMs: 10 });

    const waiting = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch', 200_000);
    expect(waiting.cdc?.lag).toMatchObject({ warnings: [] });
    expect(waiting.cdc!.lag!.seconds).toBeLessThanOrEqual(spec.gates.maxLagSeconds);
    expect(await cdcSlotExists(h.f, spec)).toBe(true);
    stopped = true;
    expect(await writes).toBeGreaterThan(50);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });

    // Complete, waiting for the decommission approval: the slot no longer retains the source's WAL.
    const completed = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission', 60_000);
    expect(completed.phase).toBe('complete');
    // Writes were held while the stream drained, for a measured, short pause (the transitions say how long).
    expect(completed.cdc?.writePauseMs).toBeGreaterThanOrEqual(0);
    expect(completed.cdc!.writePauseMs!).toBeLessThan(30_000);
    expect(completed.transitions.find((t) => t.to === 'writes on the new database')?.reason).toBe(
      `writes were held ${completed.cdc!.writePauseMs} ms while the CDC stream drained to zero lag`,
    );
    expect(await cdcSlotExists(h.f, spec)).toBe(false);
    expect(await cdcPublicationExists(h.f, spec)).toBe(false);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });

    const status = await keepRetired(handle);
    expect(status.state).toBe('completed');
    expect(status.cdc).toBeNull();
    expect(await targetUsers(h.f, users)).toEqual(await sourceUsers(h.f, retiredTable(spec, users), retiredTable(spec, orders)));
    expect(await cdcSlotExists(h.f, spec)).toBe(false);
    // The stream ran only before the switch: its last slice (the drain while writes were held) was
    // scheduled before the switch was published, so nothing streamed from the old database lands on the new primary.
    const scheduled = ((await handle.fetchHistory()).events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'cdcStream' || a?.activityType?.name === 'publishRouting')
      .map((a) => {
        const input = JSON.parse(Buffer.from(a!.input!.payloads![0].data!).toString());
        return a!.activityType!.name === 'cdcStream' ? 'stream' : `${input.phase}${input.holdWrites ? ':held' : ''}`;
      });
    const switched = scheduled.indexOf('write_switch');
    expect(scheduled.slice(switched - 3, switched)).toEqual(['stream', 'write_switch:held', 'stream']);
    expect(scheduled.slice(switched)).not.toContain('stream');
    const log = await readRoutingLog(pgPool(h.f.pgConnection), spec.id);
    expect(log.map((r) => `${r.phase}:${r.writes}`)).toEqual([
      'preflight:old',
      'dual_write:old',
      'backfill:old',
      'verify:old',
      'shadow_read:old',
      'read_ramp:old',
      'read_ramp:old',
      'write_switch:held',
      'write_switch:new_then_old',
      'complete:new',
      'decommission:new',
    ]);
  }, 300_000);

  it('a rollback from the write switch holds writes until no router writes the new database first, then routes writes to the old one', async () => {
    const { spec, handle } = await startCdc(['write_switch', 'complete']);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'write_switch', 200_000);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'complete', 60_000);
    await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'latency on the new database' }] });
    const back = await waitForStatus(handle, (s) => s.phase === 'read_ramp', 60_000);
    expect(back.routing).toMatchObject({ writes: 'old', reads: 'percent' });
    // Torture seed 102: without the hold, a router still on the switch read the new database while
    // another, already rolled back, wrote the old one alone.
    const log = await readRoutingLog(pgPool(h.f.pgConnection), spec.id);
    expect(log.slice(-4).map((r) => `${r.phase}:${r.writes}`)).toEqual([
      'write_switch:held',
      'write_switch:new_then_old',
      'write_switch:held',
      'read_ramp:old',
    ]);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'rolled back' }] });
    expect((await handle.result()).state).toBe('aborted');
  }, 300_000);

  it('a stream that stops delivering slices shows growing lag and breaches the health gate', async () => {
    const { spec, handle } = await startCdc([], {}, { shadowReadSoak: '10m' });
    await waitForStatus(handle, (s) => s.phase === 'shadow_read' && s.gates.latest?.verdict === 'green', 200_000);
    // Holding the stream's advisory lock between two slices stalls it: every next slice fails (retryably) as busy.
    const stall = await stallStream(h.f, spec);
    try {
      const stalledAt = Date.now();
      const breached = await waitForStatus(handle, (s) => s.gates.latest?.verdict === 'breach', 60_000);
      expect(breached.gates.latest!.reasons).toEqual([expect.stringMatching(/^CDC lag \d+(\.\d+)?s above 5s$/)]);
      // No earlier than the stall can explain: one slice's length plus the threshold.
      expect(Date.now() - stalledAt).toBeGreaterThan(10_000);
      expect(breached.cdc!.lag!.seconds).toBeLessThanOrEqual(spec.gates.maxLagSeconds);
    } finally {
      await stall.release();
    }
    const rolledBack = await waitForStatus(handle, (s) => s.pendingApproval !== null);
    expect(rolledBack.phase).toBe('verify');
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'stalled stream' }] });
    expect((await handle.result()).state).toBe('aborted');
  }, 300_000);

  it('drops a slot that retains more WAL than allowed and stops loudly, saying how to resume', async () => {
    const { spec, handle } = await startCdc(['shadow_read'], { maxRetainedWalBytes: 1 });
    const lost = await waitForStatus(handle, (s) => s.cdc?.lost !== undefined, 200_000);
    expect(lost.cdc!.lost).toMatch(/replication slot \S+ retained \d+ bytes of WAL, above cdc\.maxRetainedWalBytes \(1\): dropped it/);
    expect(lost.cdc!.lost).toContain('roll back to preflight to copy again, or abort');
    expect(await cdcSlotExists(h.f, spec)).toBe(false);

    const failed = await waitForStatus(handle, (s) => s.state === 'failed');
    expect(failed.failure).toContain('cdc.maxRetainedWalBytes');
    // The stream starts once the backfill is done: the limit stops it before verify is entered.
    expect(failed.phase).toBe('backfill');

    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'slot over its retention limit' }] });
    expect((await handle.result()).state).toBe('aborted');
    expect(await cdcSlotExists(h.f, spec)).toBe(false);
  }, 300_000);
});
