import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Client } from 'pg';
import { cdcPrepare, cdcStream, cdcTeardown } from '../../activities/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import { cdcNames, StreamState } from '../../lib/cdc';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { cdcCleanup, copyAll, copySpec, createUsersAndOrders, expectSameData, usersSpec } from './cdc-fixtures';

let f: DataFixture;
const cdc = cdcCleanup();

beforeAll(async () => {
  f = await createDataFixture('cdcact');
  await f.pg.query('create table acts (id integer primary key, qty integer not null, version bigint not null)');
  await f.pg.query('create table acts_copy (like acts including all)');
  await f.pg.query('insert into acts select g, g, 1 from generate_series(1, 100) g');
});

afterAll(async () => {
  await cdc.dropAll();
  await closeAllClients();
  await f.close();
});

describe('cdcPrepare activity', () => {
  it('gives up REPLICA IDENTITY FULL after cdc.lockTimeout while a transaction holds the table, with a clear non-retryable error', async () => {
    await createUsersAndOrders(f, 'lk_users', 'lk_orders');
    const base = usersSpec(f, 'cdc-lock', 'lk_users', 'lk_orders');
    const spec = { ...base, cdc: { ...base.cdc, lockTimeout: '300ms' } };
    const holder = new Client({ connectionString: f.pgUrl });
    await holder.connect();
    try {
      // A reader in an open transaction: ALTER TABLE waits for it, and every later query of the table waits behind the ALTER.
      await holder.query('begin');
      await holder.query('select count(*) from lk_orders');
      const started = Date.now();
      const attempt = new MockActivityEnvironment().run(cdcPrepare, { migrationId: spec.id, spec });
      const stillWaiting = new Promise((_, reject) => setTimeout(() => reject(new Error('cdcPrepare still waiting for its lock after 5 s')), 5000));
      const failure = await Promise.race([attempt, stillWaiting]).then(
        () => undefined,
        (err) => err,
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'CdcLockTimeout', nonRetryable: true });
      expect(failure.message).toMatch(/^ALTER TABLE lk_orders REPLICA IDENTITY FULL waited cdc\.lockTimeout \(300ms\) for its lock: /);
      expect(Date.now() - started).toBeLessThan(3000);
      await holder.query('rollback');
      expect((await f.pg.query(`select relreplident from pg_class where oid = 'lk_orders'::regclass`)).rows[0].relreplident).toBe('d');
    } finally {
      await holder.end();
      await cdc.prepare(base).then(
        () => undefined,
        () => undefined,
      );
    }
  });
});

describe('cdcStream activity', () => {
  const spec = () => copySpec(f, 'cdc-act', ['acts']);

  it('streams until caught up, heartbeating its state, then honours cancellation', async () => {
    await cdc.prepare(spec());
    await copyAll(spec(), 'acts');
    await f.pg.query('update acts set qty = 0, version = 2 where id <= 10');
    const env = new MockActivityEnvironment();
    const beats: StreamState[] = [];
    env.on('heartbeat', (d: StreamState) => beats.push(d));
    const drained = await env.run(cdcStream, { migrationId: 'cdc-act', spec: spec(), untilCaughtUp: true });
    expect(drained).toMatchObject({ caughtUp: true, transactions: 1, upserted: 10 });
    expect(beats.at(-1)).toEqual(drained);
    await expectSameData(spec(), 'acts');

    const forever = new MockActivityEnvironment();
    const running = forever.run(cdcStream, { migrationId: 'cdc-act', spec: spec(), idleMs: 50 });
    await f.pg.query('delete from acts where id > 90');
    await new Promise((r) => setTimeout(r, 1000));
    forever.cancel();
    await expect(running).rejects.toThrow(CancelledFailure);
    await expectSameData(spec(), 'acts');
    // Acknowledged through every published change (how far past them depends on other WAL traffic:
    // an idle stream acks the flush position only when no record straddles it; lib/cdc/peek.ts).
    const { slot, publication } = cdcNames('cdc-act');
    const {
      rows: [left],
    } = await f.pg.query(`select count(*)::int as n from pg_logical_slot_peek_binary_changes($1, null, null, 'proto_version', '1', 'publication_names', $2)`, [
      slot,
      publication,
    ]);
    expect(left.n).toBe(0);
  });

  it('a dropped slot is a non-retryable failure; teardown is idempotent', async () => {
    await cdc.prepare(spec());
    expect(await cdcTeardown({ migrationId: 'cdc-act', spec: spec() })).toEqual({ slotDropped: true });
    expect(await cdcTeardown({ migrationId: 'cdc-act', spec: spec() })).toEqual({ slotDropped: false });
    const failure = (await new MockActivityEnvironment()
      .run(cdcStream, { migrationId: 'cdc-act', spec: spec() })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'CdcSlotLost', nonRetryable: true });
    expect(failure.message).toMatch(/does not exist: it was dropped/);
  });

  it("a retried slice continues a TRUNCATE resync from the checkpoint in its predecessor's heartbeat", async () => {
    await f.pg.query('create table rs (id integer primary key, qty integer not null, version bigint not null)');
    await f.pg.query('create table rs_copy (like rs including all)');
    await f.pg.query('insert into rs select g, g, 1 from generate_series(1, 10) g');
    const rsSpec = copySpec(f, 'cdc-act-rs', ['rs']);
    await cdc.prepare(rsSpec);
    await copyAll(rsSpec, 'rs');
    await f.pg.query('truncate rs');
    await f.pg.query('insert into rs select g, g, 1 from generate_series(1, 3000) g');
    const { slot, publication } = cdcNames(rsSpec.id);
    const { rows } = await f.pg.query(`select lsn::text from pg_logical_slot_peek_binary_changes($1, null, 1, 'proto_version', '1', 'publication_names', $2)`, [
      slot,
      publication,
    ]);
    // What a killed attempt left behind: the copy pass done up to key 1500 (rows 1-10 were there already).
    await f.pg.query('insert into rs_copy select g, g, 1 from generate_series(11, 1500) g');
    const env = new MockActivityEnvironment({ heartbeatDetails: { resync: { batch: rows[0].lsn, entity: 'rs', phase: 'copy', after: [1500] } } });
    const state = await env.run(cdcStream, { migrationId: rsSpec.id, spec: rsSpec, untilCaughtUp: true });
    expect(state).toMatchObject({ resyncs: 1, upserted: 1500, caughtUp: true });
    expect(state).not.toHaveProperty('resync');
    await expectSameData(rsSpec, 'rs');
  });

  it("a retried slice skips the pages of a huge transaction its predecessor's heartbeat says it applied", async () => {
    await f.pg.query('create table pg3 (id integer primary key, qty integer not null, version bigint not null)');
    await f.pg.query('create table pg3_copy (like pg3 including all)');
    const pgSpec = copySpec(f, 'cdc-act-pages', ['pg3']);
    await cdc.prepare(pgSpec);
    await f.pg.query('insert into pg3 select g, g, 1 from generate_series(1, 3000) g');
    const { slot, publication } = cdcNames(pgSpec.id);
    const { rows } = await f.pg.query(`select lsn::text from pg_logical_slot_peek_binary_changes($1, null, 1, 'proto_version', '1', 'publication_names', $2)`, [
      slot,
      publication,
    ]);
    // What a killed attempt left behind: two pages of 1,000 messages (begin, relation, inserts 1-1,998) applied.
    await f.pg.query('insert into pg3_copy select g, g, 1 from generate_series(1, 1998) g');
    const env = new MockActivityEnvironment({ heartbeatDetails: { applied: { batch: rows[0].lsn, messages: 2000 } } });
    const state = await env.run(cdcStream, { migrationId: pgSpec.id, spec: pgSpec, untilCaughtUp: true });
    expect(state).toMatchObject({ transactions: 1, upserted: 1002, caughtUp: true });
    expect(state).not.toHaveProperty('applied');
    await expectSameData(pgSpec, 'pg3');
  });
});
