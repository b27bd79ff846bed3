import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveUpdate, MigrationStatus, rollbackUpdate } from '../../workflows';
import { uniqueName } from '../support/temporal';
import { useDataStack } from './backfill-fixtures';
import { migrationSpec, retiredTable, startMigration, waitForStatus } from './migration-fixtures';

/**
 * Decommission retires the old tables for real, in two steps (issue #12 item 8): it renames them
 * out of the applications' way and keeps them for `timers.retention`, during which a rollback
 * renames them back; dropping them needs its own human approval naming what is dropped, which
 * `--auto-approve` never gives.
 */
describe('migration workflow: decommission retires, then drops only on a human approval', () => {
  const h = useDataStack('migdec');

  const tables = async (like: string) =>
    (await h.f.pg.query(`select tablename from pg_tables where schemaname = 'public' and tablename like $1 order by tablename`, [`${like}%`])).rows.map(
      (r) => r.tablename as string,
    );
  const retiredOrDone = (s: MigrationStatus) => s.decommission?.state === 'retired' || s.state === 'completed';

  it('renames the old table at decommission, writes to it fail, and a rollback during the retention period restores it', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 40, { approvals: [] });
    spec.timers.retention = '1h';
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    const retired = await waitForStatus(handle, retiredOrDone);

    expect(await tables(table)).toEqual([retiredTable(spec, table)]);
    expect(retired).toMatchObject({ phase: 'decommission', state: 'running' });
    expect(retired.decommission).toMatchObject({ state: 'retired', retired: [{ name: table, retiredAs: retiredTable(spec, table) }] });
    expect(Date.parse(retired.decommission!.retainUntil) - Date.parse(retired.decommission!.at)).toBe(3_600_000);
    // Nothing writes the old table under its name any more: a stray writer fails loudly.
    await expect(h.f.pg.query(`update ${table} set qty = 0 where id = 1`)).rejects.toThrow(/does not exist/);

    const landed = await handle.executeUpdate(rollbackUpdate, { args: [{ by: 'ops', reason: 'the new database misbehaves' }] });
    expect([landed.phase, landed.state, landed.decommission?.state]).toEqual(['complete', 'waiting_approval', 'restored']);
    expect(await tables(table)).toEqual([table]);
    const { rows } = await h.f.pg.query(`select count(*)::int as n, sum(qty)::int as qty from ${table}`);
    expect(rows[0]).toEqual({ n: 40, qty: (await h.f.pg.query(`select sum(g % 97)::int as s from generate_series(1, 40) g`)).rows[0].s });
    await handle.terminate('end of test');
  });

  it('--auto-approve keeps the retired table after the retention period and never drops it', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 20);
    spec.timers.retention = '1s';
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec, { autoApprove: true });
    const done = await handle.result();
    expect(done.state).toBe('completed');
    expect(done.decommission).toMatchObject({ state: 'kept' });
    expect(await tables(table)).toEqual([retiredTable(spec, table)]);
    expect(done.transitions.map((t) => `${t.to} by ${t.by}: ${t.reason}`)).toContainEqual(expect.stringMatching(/keep retired tables by jest: .*never drops/));
  });

  it('drops after the retention period only when a human approves the drop naming what is dropped', async () => {
    const table = uniqueName('items');
    const spec = await migrationSpec(h.f, table, 20, { approvals: ['decommission'] });
    spec.timers.retention = '1s';
    const handle = await startMigration(h.temporal.client, h.worker.taskQueue, spec);
    await waitForStatus(handle, (s) => s.pendingApproval?.phase === 'decommission');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
    const asked = await waitForStatus(handle, (s) => s.decommission !== null && (s.pendingApproval !== null || s.state === 'completed'));
    const names = retiredTable(spec, table);
    expect(asked.pendingApproval).toMatchObject({ phase: 'decommission', choices: ['drop', 'keep', 'rollback'], confirm: names });
    expect(asked.pendingApproval!.reason).toContain(names);

    const approve = (args: object) => handle.executeUpdate(approveUpdate, { args: [{ by: 'ops', ...args }] });
    const refusal = (args: object) =>
      approve(args).then(
        () => 'accepted',
        (e: WorkflowUpdateFailedError) => e.cause?.message,
      );
    expect(await refusal({})).toMatch(/drop or keep/);
    expect(await refusal({ action: 'drop' })).toMatch(new RegExp(`--confirm ${names}`));
    expect(await refusal({ action: 'drop', confirm: 'items' })).toMatch(/names/);
    expect(await tables(table)).toEqual([names]);

    await approve({ action: 'drop', confirm: names, note: 'retention over' });
    const done = await handle.result();
    expect(done.state).toBe('completed');
    expect(done.decommission).toMatchObject({ state: 'dropped', dropped: [{ name: table, retiredAs: names }] });
    expect(await tables(table)).toEqual([]);
  });
});
