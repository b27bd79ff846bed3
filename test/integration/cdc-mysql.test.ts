import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { Pool } from 'pg';
import { cdcPreflight, cdcPrepare, CdcPrepared, cdcStream, cdcTeardown } from '../../activities/cdc';
import type { StreamState } from '../../lib/cdc';
import { closeAllClients } from '../../lib/connectors/clients';
import { streamPosition, saveStreamPosition } from '../../lib/control';
import type { MigrationSpec } from '../../lib/spec/schema';
import { createDataFixture, DataFixture } from './backfill-fixtures';
import { copyAll } from './cdc-fixtures';
import { createAccounts, mysqlAccounts, mysqlCdcSpec, pgAccounts } from './cdc-mysql-fixtures';
import { createMysqlFixture, MysqlFixture } from './mysql-fixture';

/** Binlog CDC from MariaDB into PostgreSQL through the activities the workflow runs (docs/cdc.md). */
let my: MysqlFixture;
let f: DataFixture;
let control: Pool;
const specs: MigrationSpec[] = [];

beforeAll(async () => {
  my = await createMysqlFixture('cdcmy');
  f = await createDataFixture('cdcmy');
  control = new Pool({ connectionString: f.pgUrl, max: 2 });
});

afterAll(async () => {
  for (const spec of specs) await cdcTeardown({ migrationId: spec.id, spec }).catch(() => undefined);
  await control?.end();
  await closeAllClients();
  await my?.close();
  await f?.close();
});

const drain = (spec: MigrationSpec): Promise<StreamState> => new MockActivityEnvironment().run(cdcStream, { migrationId: spec.id, spec, untilCaughtUp: true });

async function masterPosition(): Promise<string> {
  const [[s]] = (await my.sql.query('show master status')) as unknown as [[{ File: string; Position: number }]];
  return `${s.File}:${s.Position}`;
}

/**
 * The binlog is server-wide and other test files write to the same MariaDB in parallel, so a position is checked
 * against a window, not for equality. Compared here rather than with the connector's own helper (the code under test).
 */
function ordinal(position: string): [number, number] {
  const [file, offset] = position.split(':');
  return [Number(file.slice(file.lastIndexOf('.') + 1)), Number(offset)];
}
function expectWithin(position: string, from: string, to: string): void {
  const [p, a, b] = [ordinal(position), ordinal(from), ordinal(to)];
  const le = (x: [number, number], y: [number, number]) => x[0] < y[0] || (x[0] === y[0] && x[1] <= y[1]);
  expect({ position, within: le(a, p) && le(p, b) }).toEqual({ position, within: true });
}

test('changes made after cdcPrepare reach PostgreSQL in commit order, and a new stream resumes from the saved position', async () => {
  await createAccounts(my, f, 'accounts', 200);
  const spec = mysqlCdcSpec(my, f, 'cdc-mysql-accounts', 'accounts');
  specs.push(spec);
  expect(await new MockActivityEnvironment().run(cdcPreflight, { migrationId: spec.id, spec })).toEqual({ blockers: [] });
  const beforePrepare = await masterPosition();
  const prepared: CdcPrepared = await new MockActivityEnvironment().run(cdcPrepare, { migrationId: spec.id, spec });
  expect(prepared.identityChanges).toEqual([]);
  expectWithin(prepared.start, beforePrepare, await masterPosition());

  // Changes while the backfill runs: the stream replays them after it.
  await my.sql.query(`update accounts set name = 'renamed', version = version + 1 where id <= 10`);
  await copyAll(spec, 'accounts');
  await my.sql.query(`insert into accounts values (201, 'new', null, 1), (202, 'newer', 'x', 1)`);
  await my.sql.query(`delete from accounts where id in (20, 21)`);
  await my.sql.query(`update accounts set id = 1000, version = version + 1 where id = 30`);
  // One transaction that deletes and re-creates a key with a lower version: written unguarded.
  await my.sql.query('start transaction');
  await my.sql.query(`delete from accounts where id = 40`);
  await my.sql.query(`insert into accounts values (40, 'recreated', null, 1)`);
  await my.sql.query('commit');
  await my.sql.query(`update accounts set version = 5 where id = 41`);
  await my.sql.query(`update accounts set name = 'after', version = 6 where id = 41`);

  const written = await masterPosition();
  const state = await drain(spec);
  expect(state).toMatchObject({ caughtUp: true, lagBytes: 0, warnings: [] });
  expectWithin(state.position, written, await masterPosition());
  expect(await pgAccounts(f, 'accounts')).toEqual(await mysqlAccounts(my, 'accounts'));
  expect(await streamPosition(control, spec.id)).toBe(state.position);

  // A later stream (a new worker) starts at the saved position: only what came after is applied.
  await my.sql.query(`update accounts set name = 'later', version = version + 1 where id in (50, 51, 52)`);
  const later = await drain(spec);
  expect(later).toMatchObject({ caughtUp: true, upserted: 3, deleted: 0 });
  expect(await pgAccounts(f, 'accounts')).toEqual(await mysqlAccounts(my, 'accounts'));

  // TRUNCATE names no rows: the entity is resynchronised.
  await my.sql.query(`truncate table accounts`);
  await my.sql.query(`insert into accounts values (1, 'only', null, 1)`);
  expect(await drain(spec)).toMatchObject({ caughtUp: true, resyncs: 1 });
  expect(await pgAccounts(f, 'accounts')).toEqual([{ id: 1, name: 'only', note: null, version: 1 }]);
});

test('a position the server cannot read (error 1236) stops the stream as CdcSlotLost, saying how to resume', async () => {
  await createAccounts(my, f, 'gone', 5);
  const spec = mysqlCdcSpec(my, f, 'cdc-mysql-gone', 'gone');
  specs.push(spec);
  await new MockActivityEnvironment().run(cdcPrepare, { migrationId: spec.id, spec });
  const [file] = (await masterPosition()).split(':');
  // Past the end of the current binlog: the server answers the dump with error 1236, as for a purged file.
  await saveStreamPosition(control, spec.id, `${file}:4000000000`);
  const failure = await drain(spec).then(
    () => undefined,
    (err) => err,
  );
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'CdcSlotLost', nonRetryable: true });
  expect(failure.message).toMatch(
    new RegExp(`^binlog position ${file}:4000000000 of migration cdc-mysql-gone is no longer on the source .*roll back to preflight`),
  );
});
