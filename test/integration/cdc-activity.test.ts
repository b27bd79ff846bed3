import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { cdcStream, cdcTeardown } from '../../activities/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import { cdcNames, StreamState } from '../../lib/cdc';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { cdcCleanup, copyAll, copySpec, expectSameData } from './cdc-fixtures';

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
    const { rows: [left] } = await f.pg.query(
      `select count(*)::int as n from pg_logical_slot_peek_binary_changes($1, null, null, 'proto_version', '1', 'publication_names', $2)`,
      [slot, publication],
    );
    expect(left.n).toBe(0);
  });

  it('a dropped slot is a non-retryable failure; teardown is idempotent', async () => {
    await cdc.prepare(spec());
    expect(await cdcTeardown({ migrationId: 'cdc-act', spec: spec() })).toEqual({ slotDropped: true });
    expect(await cdcTeardown({ migrationId: 'cdc-act', spec: spec() })).toEqual({ slotDropped: false });
    const failure = (await new MockActivityEnvironment().run(cdcStream, { migrationId: 'cdc-act', spec: spec() }).catch((e: unknown) => e)) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'CdcSlotLost', nonRetryable: true });
    expect(failure.message).toMatch(/does not exist: it was dropped/);
  });
});
