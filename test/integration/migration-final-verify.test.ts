import { readRoutingState, recordWrittenKeys, routingFor } from '../../lib/control';
import { pgPool } from '../../lib/connectors/clients';
import { abortUpdate, approveUpdate, MigrationStatus, rollbackUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, retiredTable, startMigration, waitForStatus } from './migration-fixtures';

/**
 * A final verification that finds a difference nobody wrote since the switch is not a dead end:
 * the operator repairs the old database from the primary, or rolls back.
 */
describe('migration workflow: a failed final verification', () => {
  const h = useDataStack('migfv');

  /** Runs to the decommission approval, makes the old database miss an update, and lets the final verification fail. */
  async function failFinalVerification() {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 30, { approvals: ['decommission'] });
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission');
    // The old database lost a write nobody recorded: it is behind the primary on key 7.
    await h.f.pg.query(`update ${table} set qty = -1 where id = 7`);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    const failed = await waitForStatus(handle, (s) => s.state === 'failed');
    return { table, spec, handle, failed };
  }

  it('offers repair from the primary or rollback, and a repair copies the key from the primary and completes', async () => {
    const { table, spec, handle, failed } = await failFinalVerification();
    expect(failed.pendingApproval).toMatchObject({ phase: 'decommission', choices: ['repair', 'retry', 'rollback'] });
    expect(failed.pendingApproval!.reason).toMatch(/repair.*primary.*rollback/s);

    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', note: 'old side lost a write', action: 'repair' }] });
    // Verified, then retired: the old table, under its retired name, holds the repaired row.
    await waitForStatus(handle, (s) => s.pendingApproval?.choices?.includes('drop') === true);
    const { rows } = await h.f.pg.query(`select qty from ${retiredTable(spec, table)} where id = 7`);
    expect(rows[0].qty).toBe(7);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', action: 'keep' }] });
    const done = await handle.result();
    expect(done.state).toBe('completed');
    expect(done.transitions.map((t) => t.to)).toContain('repair final verification from the primary');
  });

  it('rolls back from a failed final verification to complete, with routing on the new primary', async () => {
    const { spec, handle } = await failFinalVerification();
    const landed: MigrationStatus = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'look at key 7 first' }] });
    expect([landed.phase, landed.state, landed.pendingApproval?.phase]).toEqual(['complete', 'waiting_approval', 'decommission']);
    expect(landed.routing).toMatchObject(routingFor('complete'));
    expect(await readRoutingState(pgPool(h.f.pgConnection), spec.id)).toMatchObject(routingFor('complete'));
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });

  /**
   * Keys written after the switch are checked against the primary instead of being left out
   * (issue #13 item 6): the old database may lag behind on them, never lead. A key whose old copy
   * is newer than the primary's is a write the primary lost.
   */
  it('fails when the old database holds a newer version than the primary of a key written since the switch', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 30, { approvals: ['decommission'] });
    spec.timers.retention = '1s';
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const waiting = await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission');
    const written = (ids: number[]) =>
      recordWrittenKeys(
        pgPool(h.f.pgConnection),
        spec.id,
        table,
        waiting.routing!.version,
        ids.map((id) => [id]),
      );
    // Key 5: the old database took a write the primary never got. Key 6: the primary moved on, as it should.
    await h.f.pg.query(`update ${table} set qty = -5, version = 9 where id = 5`);
    await h.f.mongo.collection(table).updateOne({ _id: 6 as never }, { $set: { qty: -6, version: 9 } });
    await written([5, 6]);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    const failed = await waitForStatus(handle, (s) => s.state === 'failed' || s.state === 'completed' || s.decommission?.state === 'retired');
    expect(failed.state).toBe('failed');
    const verify = failed.entities[table].verify!.result as { remaining: { totals: { all: number } }; writtenSinceSwitch: number };
    expect(verify.remaining.totals.all).toBe(1);
    expect(verify.writtenSinceSwitch).toBe(1);
    expect(failed.failure).toMatch(/1 (row|key)/);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'ops', reason: 'end of test' }] });
  });
});
