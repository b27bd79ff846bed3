import { WorkflowUpdateStage } from '@temporalio/client';
import { readReconcileBatch, readRoutingState, recordWrittenKeys, routingFor } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import { abortUpdate, approveUpdate, MigrationStatus, rollbackUpdate } from '../../workflows';
import { tcpProxy, TcpProxy } from '../support/tcp-proxy';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, startMigration, waitForStatus } from './migration-fixtures';

/**
 * Rollback past the write switch with the new database unreachable: it never hangs. Undoing the
 * write switch (the old database took every write) flips within a gate interval; undoing
 * complete (the old database is behind) asks the operator to wait or flip, and abort works.
 */
describe('migration workflow: bounded copy-back on rollback', () => {
  const h = useDataStack('migcb');
  let proxy: TcpProxy;
  beforeAll(async () => {
    const mongo = new URL(process.env.SWITCHYARD_CONN_MONGO as string);
    proxy = await tcpProxy(mongo.hostname, Number(mongo.port));
    process.env.SWITCHYARD_CONN_MONGOCB = `mongodb://127.0.0.1:${proxy.port}/`;
  });
  afterAll(() => proxy.close());
  afterEach(() => proxy.restore());

  /** Runs to the approval before `next` (so the migration sits in the phase before it), through the proxy. */
  async function runTo(next: 'complete' | 'decommission') {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 20, { approvals: [next] });
    spec.target = { ...spec.target, connection: 'MONGOCB' };
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === next);
    // An application wrote key 3 to the new primary after the switch; then the new database becomes unreachable.
    const control = pgPool(h.f.pgConnection);
    const { version } = (await readRoutingState(control, spec.id))!;
    await h.f.mongo.collection(table).updateOne({ _id: 3 as never }, { $set: { qty: 4242, version: 99 } });
    await recordWrittenKeys(control, spec.id, table, version, [[3]]);
    proxy.blackhole();
    return { table, spec, handle, control };
  }

  it('undoing the write switch with the new database down flips to the old one within a gate interval, the key left queued', async () => {
    const { table, spec, handle, control } = await runTo('complete');
    const started = Date.now();
    const landed = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'new db down' }] });
    const tookMs = Date.now() - started;
    expect([landed.phase, landed.rampPercent, landed.state]).toEqual(['read_ramp', 100, 'waiting_approval']);
    expect(landed.routing).toMatchObject(routingFor('read_ramp', 100));
    // One gate interval (1 s) for the bounded copy, plus queueing and the publish.
    expect(tookMs).toBeLessThan(6000);
    expect(landed.copyBack).toMatchObject({ phase: 'write_switch', state: 'queued', queued: 1 });
    expect((await readReconcileBatch(control, spec.id, table, 'old', 10)).map((e) => e.key)).toEqual([[3]]);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('undoing complete with the new database down asks to wait or flip; "flip" lands on the old side with the key queued', async () => {
    const { table, spec, handle, control } = await runTo('decommission');
    const rollback = await handle.startUpdate(rollbackUpdate, {
      args: [{ by: 'ops', reason: 'new db sick' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const stalled = await waitForStatus(handle, (s) => s.copyBack?.state === 'stalled', 30_000);
    expect(stalled).toMatchObject({ state: 'rolling_back', pendingApproval: { choices: ['wait', 'flip'] } });
    expect(stalled.pendingApproval!.reason).toMatch(/wait.*flip/s);
    expect(stalled.copyBack).toMatchObject({ phase: 'complete', copied: 0, total: 1 });

    // Wait: one more bounded attempt, then the same question.
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', action: 'wait' }] });
    await waitForStatus(handle, (s) => s.copyBack?.state === 'stalled' && (s.copyBack.attempts ?? 0) >= 2, 30_000);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', action: 'flip', note: 'repair later' }] });
    const landed: MigrationStatus = await rollback.result();
    expect([landed.phase, landed.state]).toEqual(['write_switch', 'waiting_approval']);
    expect(landed.copyBack).toMatchObject({ phase: 'complete', state: 'queued', queued: 1 });
    expect((await readReconcileBatch(control, spec.id, table, 'old', 10)).map((e) => e.key)).toEqual([[3]]);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  it('an abort while the copy-back is stalled flips, keeps the key queued and ends on the old database', async () => {
    const { table, spec, handle, control } = await runTo('decommission');
    await handle.startUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'new db sick' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
    await waitForStatus(handle, (s) => s.copyBack?.state === 'stalled', 30_000);
    const aborted = await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'give up' }] });
    expect(aborted).toMatchObject({ state: 'aborted', phase: 'preflight', routing: { writes: 'old', reads: 'old' } });
    expect((await readReconcileBatch(control, spec.id, table, 'old', 10)).map((e) => e.key)).toEqual([[3]]);
  });
});
