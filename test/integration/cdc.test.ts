import { closeAllClients } from '../../lib/connectors/clients';
import { readSlotState, ResyncCheckpoint, SlotLostError } from '../../lib/cdc';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { cdcCleanup, copyAll, copySpec, createUsersAndOrders, drain, expectSameData, usersSpec } from './cdc-fixtures';

let f: DataFixture;
const cdc = cdcCleanup();

beforeAll(async () => {
  f = await createDataFixture('cdc');
});

afterAll(async () => {
  await cdc.dropAll();
  await closeAllClients();
  await f.close();
});

/** A text far above the 2 KB TOAST threshold that does not compress away. */
const BIG = Array.from({ length: 400 }, (_, i) => `${i * 7919}-${(i * 104729) % 9973}`)
  .join(' ')
  .repeat(3);

describe('CDC PostgreSQL → MongoDB (parent with embedded children)', () => {
  it('streams inserts, updates, deletes, key changes, child changes and unchanged TOAST values', async () => {
    const spec = usersSpec(f, 'cdc-users', 'users', 'orders');
    await createUsersAndOrders(f, 'users', 'orders');
    await f.pg.query('update users set bio = $1 where id = 2', [BIG]);
    const prepared = await cdc.prepare(spec);
    expect(prepared.identityChanges).toEqual([
      { table: 'users', previous: 'd' },
      { table: 'orders', previous: 'd' },
    ]);
    await copyAll(spec, 'users');
    const stream = await cdc.open(spec);

    await f.pg.query(`insert into users values (7, 'new', null, 1)`);
    await f.pg.query(`insert into orders values (100, 7, 5)`);
    await f.pg.query(`update users set name = 'renamed', version = version + 1 where id = 1`);
    await f.pg.query(`update users set name = 'toast kept', version = version + 1 where id = 2`);
    await f.pg.query(`delete from orders where user_id = 3; delete from users where id = 3`);
    await f.pg.query(`update users set id = 50, version = version + 1 where id = 5`);
    await f.pg.query(`update orders set user_id = 4 where id = 1`);
    await f.pg.query(`insert into orders values (101, 6, 1)`);
    const state = await drain(stream);

    expect(state).toMatchObject({ caughtUp: true, transactions: 8, warnings: [] });
    expect(state.lagSeconds).toBeLessThan(5);
    // Nothing left: an idle poll reports no lag and moves the slot to the end of the WAL.
    expect(await stream.step(1000, () => undefined)).toMatchObject({ caughtUp: true, transactions: 8, lagSeconds: 0 });
    await expectSameData(spec, 'users');
    const users = f.mongo.collection('users');
    expect((await users.findOne({ _id: 2 as never }))?.bio).toBe(BIG);
    expect(await users.findOne({ _id: 5 as never })).toBeNull();
    expect((await users.findOne({ _id: 50 as never }))?.name).toBe('user 5');
    expect((await users.findOne({ _id: 4 as never }))?.orders.map((o: { id: number }) => o.id)).toEqual([1, 3, 9]);
  });
});

describe('CDC PostgreSQL → PostgreSQL', () => {
  async function items(name: string, rows: number): Promise<void> {
    await f.pg.query(`create table ${name} (id integer primary key, qty integer not null, version bigint not null)`);
    await f.pg.query(`create table ${name}_copy (id integer primary key, qty integer not null, version bigint not null)`);
    await f.pg.query(`insert into ${name} select g, g, 1 from generate_series(1, $1::int) g`, [rows]);
  }

  it('applies a truncate followed by new rows, and a dropped slot fails loudly', async () => {
    await items('trunc', 50);
    const spec = copySpec(f, 'cdc-trunc', ['trunc']);
    await cdc.prepare(spec);
    await copyAll(spec, 'trunc');
    const stream = await cdc.open(spec);
    await f.pg.query('update trunc set qty = 0, version = 2 where id <= 5');
    await f.pg.query('truncate trunc');
    await f.pg.query('insert into trunc select g, g * 2, 1 from generate_series(40, 45) g');
    const state = await drain(stream);
    expect(state.resyncs).toBe(1);
    await expectSameData(spec, 'trunc');
    const { rows } = await f.pg.query('select count(*)::int as n from trunc_copy');
    expect(rows[0].n).toBe(6);

    await f.pg.query('select pg_drop_replication_slot($1)', [cdc.names(spec).slot]);
    await f.pg.query('insert into trunc values (99, 1, 1)');
    await expect(stream.step(100, () => undefined)).rejects.toThrow(SlotLostError);
    await stream.close();
    await expect(cdc.open(spec)).rejects.toThrow(/does not exist: it was dropped/);
  });

  it('resumes a TRUNCATE resync from its checkpoint after a crash instead of copying the entity again', async () => {
    await items('resynced', 10);
    const spec = copySpec(f, 'cdc-resync', ['resynced']);
    await cdc.prepare(spec);
    await copyAll(spec, 'resynced');
    await f.pg.query('truncate resynced');
    await f.pg.query('insert into resynced select g, g, 1 from generate_series(1, 3000) g');

    // The first attempt dies after the delete pass and three pages (1,500 rows) of the copy.
    const first = await cdc.open(spec);
    const checkpoints: ResyncCheckpoint[] = [];
    let calls = 0;
    const dies = first.step(5000, (checkpoint) => {
      if (checkpoint) checkpoints.push(checkpoint);
      if (++calls === 4) throw new Error('worker killed');
    });
    await expect(dies).rejects.toThrow('worker killed');
    await first.close();
    expect(checkpoints.at(-1)).toMatchObject({ entity: 'resynced', phase: 'copy', after: [1500] });

    const resumed = await cdc.open(spec, { resume: checkpoints.at(-1) });
    const state = await drain(resumed);
    expect(state).toMatchObject({ resyncs: 1, upserted: 1500 });
    await expectSameData(spec, 'resynced');
  });

  it('acknowledges only after the target has the batch; the re-delivered batch is harmless', async () => {
    await items('acked', 20);
    await items('broken', 20);
    const spec = copySpec(f, 'cdc-ack', ['acked', 'broken']);
    await cdc.prepare(spec);
    await copyAll(spec, 'acked');
    await copyAll(spec, 'broken');
    const stream = await cdc.open(spec);
    const before = await readSlotState(f.pg, cdc.names(spec).slot);

    await f.pg.query('update acked set qty = -qty, version = 2 where id % 2 = 0');
    await f.pg.query('delete from acked where id > 15');
    await f.pg.query('update broken set qty = 7, version = 2 where id < 4');
    // The second entity's target disappears: the batch is half applied when the step fails.
    await f.pg.query('alter table broken_copy rename to broken_gone');
    await expect(stream.step(1000, () => undefined)).rejects.toThrow(/broken_copy/);
    await stream.close();
    expect((await readSlotState(f.pg, cdc.names(spec).slot)).confirmedLsn).toBe(before.confirmedLsn);
    await expectSameData(spec, 'acked');

    await f.pg.query('alter table broken_gone rename to broken_copy');
    const retry = await cdc.open(spec);
    const state = await drain(retry);
    expect(state.transactions).toBe(3);
    await expectSameData(spec, 'acked');
    await expectSameData(spec, 'broken');
    // Acknowledged: the slot has nothing left to deliver. (Lag in bytes would also count WAL that
    // tests running beside this one write to their own databases.)
    const { slot, publication } = cdc.names(spec);
    const { rows } = await f.pg.query<{ n: number }>(
      `select count(*)::int as n from pg_logical_slot_peek_binary_changes($1, null, null, 'proto_version', '1', 'publication_names', $2)`,
      [slot, publication],
    );
    expect(rows[0].n).toBe(0);
    expect((await readSlotState(f.pg, slot)).confirmedLsn).not.toBe(before.confirmedLsn);
  });
});
